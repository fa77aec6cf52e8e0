import Foundation
import VetCore

/// Expands command-line paths into a sorted list of regular files.
///
/// Directories are walked recursively; symbolic links to files are followed (Hugging Face caches
/// link to blobs) but links to directories are not, so link cycles cannot trap the walk.
enum FileWalker {
    struct File: Sendable {
        var path: String
        var size: Int
    }

    static func collect(_ paths: [String]) -> (files: [File], failures: [ScanFailure]) {
        var files: [File] = []
        var failures: [ScanFailure] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                failures.append(ScanFailure(location: Location(file: path), message: "no such file or directory"))
                continue
            }
            if !isDirectory.boolValue {
                files.append(File(path: path, size: size(of: path)))
                continue
            }
            guard let enumerator = manager.enumerator(atPath: path) else {
                failures.append(ScanFailure(location: Location(file: path), message: "cannot list directory"))
                continue
            }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                let full = path.hasSuffix("/") ? path + relative : path + "/" + relative
                var entryIsDirectory: ObjCBool = false
                let type = (try? manager.attributesOfItem(atPath: full)[.type] as? FileAttributeType) ?? nil
                if type == .typeSymbolicLink {
                    // Follow links to files only; a link to a directory is skipped (and not descended).
                    if manager.fileExists(atPath: full, isDirectory: &entryIsDirectory), !entryIsDirectory.boolValue {
                        found.append(full)
                    }
                    continue
                }
                if type == .typeDirectory, (relative as NSString).lastPathComponent == ".git" {
                    // Version-control internals are not part of the model a loader sees.
                    enumerator.skipDescendants()
                    continue
                }
                if type == .typeRegular { found.append(full) }
            }
            files.append(contentsOf: found.sorted().map { File(path: $0, size: size(of: $0)) })
        }
        return (files, failures)
    }

    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
    }
}
