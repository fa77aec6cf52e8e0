import Crypto
import Foundation
import VetBytes

/// Why a model cannot be hashed: a message naming the path.
public struct HashError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Hashes a model file or folder into a `ModelManifest`.
///
/// Files are hashed on every core, largest first, each read through a memory map in chunks whose
/// pages are released once hashed, so memory stays at a few chunks whatever the model's size. A
/// file's SHA-256 is one sequential computation; the parallelism is across files (the reference's
/// `files` method: a single large file takes one core, as it does for `sha256sum`).
public enum ModelHasher {
    /// Paths at the top of the folder left out by default, as model signing leaves them out.
    public static let gitPaths = [".git", ".gitattributes", ".github", ".gitignore"]
    /// Bytes hashed between page releases.
    static let chunk = 16 << 20

    /// The manifest of `path`.
    /// - Parameters:
    ///   - ignore: paths relative to the folder to leave out (a folder leaves out all below it).
    ///   - ignoreGit: also leave out `gitPaths`.
    ///   - threads: files (or shards) hashed at once (default: the number of cores).
    ///   - shardSize: model signing's `shards` serialisation: each file hashed in parts of this many
    ///     bytes, named `path:start:end`, so one large file is hashed on every core.
    ///   - progress: called with the bytes hashed so far and the total, from any thread, serially.
    /// - Throws: `HashError` for a missing path, a symbolic link, a special file or a read error.
    public static func manifest(_ path: String, ignore: [String] = [], ignoreGit: Bool = true, threads: Int? = nil, shardSize: Int? = nil,
                                progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> ModelManifest {
        let url = URL(fileURLWithPath: path)
        let kind = try Self.kind(path)
        let ignored = (ignoreGit ? gitPaths : []) + ignore.map(normalised)
        let files: [(name: String, path: String, size: Int)]
        switch kind {
        case .file(let size): files = [(".", path, size)]
        case .directory: files = try walk(url, ignored: Set(ignored))
        }
        // The work: whole files, or each file's shards (an empty file has none, as in the reference).
        var work: [(file: Int, range: Range<Int>)] = []
        for (index, file) in files.enumerated() {
            guard let shardSize else { work.append((index, 0..<file.size)); continue }
            guard shardSize > 0 else { throw HashError("the shard size must be positive") }
            var start = 0
            while start < file.size {
                let end = file.size - start > shardSize ? start + shardSize : file.size
                work.append((index, start..<end))
                start = end
            }
        }
        let items = work
        let total = files.reduce(0) { $0 + $1.size }
        let order = items.indices.sorted { items[$0].range.count > items[$1].range.count }
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, items.count))
        let lock = NSLock()
        nonisolated(unsafe) var digests = [(digest: String, size: Int)?](repeating: nil, count: items.count)
        nonisolated(unsafe) var failure: HashError?
        nonisolated(unsafe) var next = 0, done = 0
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                lock.lock()
                let claimed = next < order.count && failure == nil ? order[next] : nil
                next += 1
                lock.unlock()
                guard let index = claimed else { return }
                let file = files[items[index].file]
                do {
                    let digest = try sha256(file.path, range: shardSize == nil ? nil : items[index].range) { bytes in
                        lock.lock(); done += bytes; progress(done, total); lock.unlock()
                    }
                    lock.lock(); digests[index] = digest; lock.unlock()
                } catch let error as HashError {
                    lock.lock(); if failure == nil { failure = error }; lock.unlock()
                } catch {
                    lock.lock(); if failure == nil { failure = HashError("\(file.path): \(error)") }; lock.unlock()
                }
            }
        }
        if let failure { throw failure }
        let resources = items.indices.map { i in
            let file = files[items[i].file], range = items[i].range
            guard let shardSize else {
                return ModelManifest.Resource(name: file.name, digest: digests[i]?.digest ?? "", size: digests[i]?.size ?? file.size)
            }
            return ModelManifest.Resource(name: "\(file.name):\(range.lowerBound):\(range.upperBound)", algorithm: "sha256-sharded-\(shardSize)",
                                          digest: digests[i]?.digest ?? "", size: range.count)
        }
        let name = url.standardizedFileURL.lastPathComponent
        return ModelManifest(modelName: name.isEmpty ? path : name, ignorePaths: kind.isDirectory ? ignored : [], shardSize: shardSize,
                             resources: resources)
    }

    /// The names the manifest of `path` would list, without hashing (same walk, same refusals).
    public static func names(_ path: String, ignore: [String] = [], ignoreGit: Bool = true) throws -> [String] {
        switch try kind(path) {
        case .file: return ["."]
        case .directory:
            let ignored = (ignoreGit ? gitPaths : []) + ignore.map(normalised)
            return try walk(URL(fileURLWithPath: path), ignored: Set(ignored)).map(\.name)
        }
    }

    enum Kind {
        case file(Int)
        case directory
        var isDirectory: Bool { if case .directory = self { return true } else { return false } }
    }

    /// What `path` is, without following a symbolic link.
    static func kind(_ path: String) throws -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw HashError("\(path): \(String(cString: strerror(errno)))") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file(Int(info.st_size))
        case S_IFDIR: return .directory
        case S_IFLNK: throw HashError("\(path) is a symbolic link; model signing does not follow links, so neither does the manifest")
        default: throw HashError("\(path) is neither a regular file nor a folder (a device, socket or pipe)")
        }
    }

    /// `p` without leading `./` and trailing `/`.
    static func normalised(_ p: String) -> String {
        var s = p
        while s.hasPrefix("./") { s.removeFirst(2) }
        while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
        return s
    }

    /// Whether `name` is an ignored path or lies below one (a folder leaves out everything below it).
    static func isIgnored(_ name: String, by ignored: Set<String>) -> Bool {
        ignored.contains { name == $0 || name.hasPrefix($0 + "/") }
    }

    /// Every regular file under `root`, by relative path; a link or special file anywhere is an error.
    static func walk(_ root: URL, ignored: Set<String>) throws -> [(name: String, path: String, size: Int)] {
        var out: [(String, String, Int)] = []
        func visit(_ relative: String) throws {
            let full = relative.isEmpty ? root.path : root.path + "/" + relative
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: full) } catch {
                throw HashError("\(full): the folder cannot be listed (\(error.localizedDescription))")
            }
            for name in names.sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                if isIgnored(child, by: ignored) { continue }
                switch try kind(root.path + "/" + child) {
                case .file(let size): out.append((child, root.path + "/" + child, size))
                case .directory: try visit(child)
                }
            }
        }
        try visit("")
        return out
    }

    /// The SHA-256 of the file at `path` (or of `range` of it), read through a memory map in `chunk`s,
    /// and the size hashed.
    static func sha256(_ path: String, range: Range<Int>? = nil, hashed: (Int) -> Void) throws -> (digest: String, size: Int) {
        let source: ByteSource
        do { source = try ByteSource.mapFile(atPath: path) } catch { throw HashError("\(path): cannot be read (\(error))") }
        let span = range ?? 0..<source.count
        guard span.upperBound <= source.count else { throw HashError("\(path) shrank while it was hashed") }
        var hasher = SHA256()
        var offset = span.lowerBound
        while offset < span.upperBound {
            let end = min(span.upperBound, offset + chunk)
            source.withUnsafeBytes { raw in hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[offset..<end])) }
            source.releaseResidentPages(around: offset..<end)
            hashed(end - offset)
            offset = end
        }
        return (Hex.encode(hasher.finalize()), span.count)
    }
}
