#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VetCore

/// Expands command-line paths into a sorted list of regular files.
///
/// Directories are walked recursively with `opendir`/`lstat`; symbolic links to files are followed
/// (Hugging Face caches link to blobs) but links to directories are not, so link cycles cannot trap
/// the walk. `.git` folders are skipped: they are not part of what a loader reads.
enum FileWalker {
    struct File: Sendable {
        var path: String
        var size: Int
    }

    enum Kind { case file(size: Int), directory, linkToDirectory, other, missing }

    static func kind(of path: String, followLinks: Bool) -> Kind {
        var info = stat()
        guard (followLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file(size: Int(info.st_size))
        case S_IFDIR: return .directory
        case S_IFLNK:
            switch kind(of: path, followLinks: true) {
            case let .file(size): return .file(size: size)
            case .directory: return .linkToDirectory
            default: return .other
            }
        default: return .other
        }
    }

    static func collect(_ paths: [String]) -> (files: [File], failures: [ScanFailure], folders: [String]) {
        var files: [File] = []
        var failures: [ScanFailure] = []
        var folders: [String] = []
        for path in paths {
            switch kind(of: path, followLinks: true) {
            case let .file(size): files.append(File(path: path, size: size))
            case .directory:
                folders.append(path)
                var found: [File] = []
                walk(path, into: &found, failures: &failures, depth: 0)
                files.append(contentsOf: found.sorted { $0.path < $1.path })
            case .missing:
                failures.append(ScanFailure(location: Location(file: path), message: "no such file or directory"))
            default:
                failures.append(ScanFailure(location: Location(file: path), message: "not a regular file or directory"))
            }
        }
        return (files, failures, folders)
    }

    private static func walk(_ directory: String, into files: inout [File], failures: inout [ScanFailure], depth: Int) {
        guard depth < 256, let handle = opendir(directory) else {
            failures.append(ScanFailure(location: Location(file: directory), message: "cannot list directory"))
            return
        }
        defer { closedir(handle) }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." || name == ".git" { continue }
            let path = prefix + name
            switch kind(of: path, followLinks: false) {
            case let .file(size): files.append(File(path: path, size: size))
            case .directory: walk(path, into: &files, failures: &failures, depth: depth + 1)
            default: continue
            }
        }
    }
}
