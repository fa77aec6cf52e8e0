import Crypto
import Foundation

/// SHA-256 in hex, for cache keys.
public enum ServiceDigest {
    public static func sha256Hex(_ text: String) -> String { hex(SHA256.hash(data: Data(text.utf8))) }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 { digest.map { String(format: "%02x", $0) }.joined() }
}

/// Uploads stored by content: `objects/ab/cdef…` under the data folder, named by their SHA-256, so the
/// same bytes submitted twice are stored once. A file is written under a temporary name and renamed
/// into place only once complete and hashed, so a reader never sees a partial object; the submitter's
/// file name is never used as a path.
public struct ContentStore: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        do { try FileManager.default.createDirectory(atPath: root + "/objects", withIntermediateDirectories: true) } catch {
            throw JobStoreError("the data folder \(root) cannot be created: \(error.localizedDescription)")
        }
    }

    /// Where the object with `digest` lives.
    public func path(_ digest: String) -> String { "\(root)/objects/\(digest.prefix(2))/\(digest.dropFirst(2))" }

    /// Stores the bytes `chunks` yields, refusing more than `limit` bytes; returns the digest and path.
    public func store(limit: Int, _ chunks: () throws -> Data?) throws -> (digest: String, path: String, size: Int) {
        let upload = try begin()
        do {
            while let chunk = try chunks() { try upload.write(chunk, limit: limit) }
        } catch {
            upload.discard()
            throw error
        }
        return try upload.finish()
    }

    /// Starts an upload written piece by piece (as an HTTP body arrives).
    public func begin() throws -> Upload { try Upload(store: self) }

    /// One upload in progress: a temporary file and its running SHA-256.
    public final class Upload: @unchecked Sendable {
        let store: ContentStore
        let temporary: String
        let handle: FileHandle
        var hasher = SHA256()
        public private(set) var size = 0

        init(store: ContentStore) throws {
            self.store = store
            temporary = "\(store.root)/objects/.upload-\(UUID().uuidString)"
            guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: temporary) else {
                throw JobStoreError("cannot write under \(store.root)/objects")
            }
            self.handle = handle
        }

        /// Appends `chunk`; throws `ContentStoreError.tooLarge` once the upload passes `limit` bytes.
        public func write(_ chunk: Data, limit: Int) throws {
            size += chunk.count
            guard size <= limit else { throw ContentStoreError.tooLarge(limit) }
            hasher.update(data: chunk)
            try handle.write(contentsOf: chunk)
        }

        /// Abandons the upload and removes its temporary file.
        public func discard() {
            try? handle.close()  // the file is removed next; a failed close changes nothing
            try? FileManager.default.removeItem(atPath: temporary)  // a leftover .upload- file is harmless and never read
        }

        /// Moves the complete upload to its content address; returns the digest, path and size.
        public func finish() throws -> (digest: String, path: String, size: Int) {
            do { try handle.close() } catch {
                discard()
                throw JobStoreError("cannot store the upload: \(error.localizedDescription)")
            }
            let digest = ServiceDigest.hex(hasher.finalize())
            let destination = store.path(digest)
            do {
                try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                if FileManager.default.fileExists(atPath: destination) {
                    try FileManager.default.removeItem(atPath: temporary)
                } else {
                    try FileManager.default.moveItem(atPath: temporary, toPath: destination)
                }
            } catch {
                discard()
                throw JobStoreError("cannot store the upload: \(error.localizedDescription)")
            }
            return (digest, destination, size)
        }
    }
}

public enum ContentStoreError: Error, Equatable {
    /// The upload passed the size limit (HTTP 413).
    case tooLarge(Int)
}

/// File names from submitters, made safe to show and to use as one path component: the last component
/// of what was given, without control or bidirectional-override characters, at most 200 characters,
/// never empty, `.` or `..`.
public enum SafeName {
    public static func component(_ given: String) -> String {
        let last = given.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(String.UnicodeScalarView(last.unicodeScalars.filter { scalar in
            !(scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
              || scalar.properties.generalCategory == .lineSeparator || scalar.properties.generalCategory == .paragraphSeparator)
        }))
        let trimmed = cleaned.trimmingCharacters(in: .whitespaces)
        let clipped = String(trimmed.prefix(200))
        return clipped.isEmpty || clipped == "." || clipped == ".." ? "upload" : clipped
    }
}
