import Crypto
import Foundation
import VetBytes

/// SHA-256 in hex, for cache keys.
public enum ServiceDigest {
    public static func sha256Hex(_ text: String) -> String { Hex.encode(SHA256.hash(data: Data(text.utf8))) }

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

    /// Whether `path` names a stored object (`…/objects/ab/` and 62 more hex digits), wherever the store is.
    public static func isObject(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        guard parts.count >= 3, parts[parts.count - 3] == "objects" else { return false }
        let hex = { (part: Substring, count: Int) in part.count == count && part.allSatisfy { $0.isHexDigit && !$0.isUppercase } }
        return hex(parts[parts.count - 2], 2) && hex(parts[parts.count - 1], 62)
    }

    /// Removes uploads left half-written by a process that was killed (`.upload-*` older than an hour).
    public func sweepAbandonedUploads(now: Date = Date()) -> Int {
        let folder = root + "/objects"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }  // no folder yet: nothing to sweep
        var removed = 0
        for name in names where name.hasPrefix(".upload-") {
            let path = folder + "/" + name
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                  now.timeIntervalSince(modified) > 3600 else { continue }  // unreadable or recent: left alone
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed += 1 }  // a failure leaves a harmless file
        }
        return removed
    }

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
            let digest = Hex.encode(hasher.finalize())
            let destination = store.path(digest)
            do {
                try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                // rename(2) replaces atomically: two uploads of the same bytes finishing together both succeed,
                // and the object is whole at every moment (both files hold the same bytes).
                guard rename(temporary, destination) == 0 else {
                    throw JobStoreError(String(cString: strerror(errno)))
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

/// File names from submitters, made safe to show and to use as one path component. Worked on Unicode
/// scalars, not characters (a `/` joined into one grapheme cluster with a combining mark is still a
/// separator): control, format and separator scalars are dropped first, then the name is split at every
/// `/` and `\` and its last component kept, clipped to 200 bytes of UTF-8; never empty, `.` or `..`.
public enum SafeName {
    public static func component(_ given: String) -> String {
        let kept = given.unicodeScalars.filter { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: false
            default: true
            }
        }
        var last = String.UnicodeScalarView()
        for scalar in kept {
            if scalar == "/" || scalar == "\\" { last = String.UnicodeScalarView() } else { last.append(scalar) }
        }
        var clipped = String.UnicodeScalarView()
        var bytes = 0
        for scalar in String(last).trimmingCharacters(in: .whitespaces).unicodeScalars {
            bytes += String(scalar).utf8.count
            if bytes > 200 { break }
            clipped.append(scalar)
        }
        let name = String(clipped)
        return name.isEmpty || name == "." || name == ".." ? "upload" : name
    }
}
