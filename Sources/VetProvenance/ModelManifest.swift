import Crypto
import Foundation
import VetBytes

/// Every file of a model with its SHA-256 (schema `modelvet-manifest/1`), serialised as OpenSSF's
/// model signing does with its default `files` method: resources named by their POSIX path
/// relative to the model folder (`.` for a model that is one file), sorted by path components,
/// and a root digest, the SHA-256 of the resources' digests concatenated in that order (the digest
/// the signed in-toto statement's subject carries). Git's files at the top of the folder (`.git`,
/// `.gitattributes`, `.github`, `.gitignore`) are left out, as the reference leaves them out.
public struct ModelManifest: Codable, Sendable, Equatable {
    public struct Resource: Codable, Sendable, Equatable {
        public var name: String
        public var algorithm = "sha256"
        public var digest: String
        public var size: Int
    }

    public struct Serialization: Codable, Sendable, Equatable {
        public var method = "files"
        public var hashType = "sha256"
        public var allowSymlinks = false
        public var ignorePaths: [String]
        /// The shard size of the `shards` method.
        public var shardSize: Int?

        enum CodingKeys: String, CodingKey {
            case method
            case hashType = "hash_type", allowSymlinks = "allow_symlinks", ignorePaths = "ignore_paths", shardSize = "shard_size"
        }
    }

    public var schema = "modelvet-manifest/1"
    /// The last component of the model's path (informative only, as in the reference).
    public var modelName: String
    public var serialization: Serialization
    public var resources: [Resource]
    public var rootDigest: String

    enum CodingKeys: String, CodingKey {
        case schema, serialization, resources
        case modelName = "model_name", rootDigest = "root_digest"
    }

    /// Builds the manifest from unordered resources: sorts them and computes the root digest.
    init(modelName: String, ignorePaths: [String], shardSize: Int? = nil, resources: [Resource]) {
        self.modelName = modelName
        serialization = Serialization(method: shardSize == nil ? "files" : "shards", ignorePaths: ignorePaths.sorted(), shardSize: shardSize)
        self.resources = shardSize == nil ? resources.sorted { Self.precedes($0.name, $1.name) } : resources.sorted { Self.shardPrecedes($0.name, $1.name) }
        var root = SHA256()
        for r in self.resources { root.update(data: Self.strictBytes(hex: r.digest) ?? []) }  // digests made by ModelHasher, always hex
        rootDigest = Hex.encode(root.finalize())
    }

    /// The reference's order: paths compared component by component (Python's `PurePosixPath`
    /// ordering), each component by Unicode scalar values.
    static func precedes(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "/", omittingEmptySubsequences: false), y = b.split(separator: "/", omittingEmptySubsequences: false)
        for (p, q) in zip(x, y) where p != q {
            return p.unicodeScalars.lexicographicallyPrecedes(q.unicodeScalars) { $0.value < $1.value }
        }
        return x.count < y.count
    }

    /// The reference's order of shards: by path (as `precedes`), then start, then end.
    static func shardPrecedes(_ a: String, _ b: String) -> Bool {
        guard let x = Shard(a), let y = Shard(b) else { return precedes(a, b) }
        if x.path != y.path { return precedes(x.path, y.path) }
        return (x.start, x.end) < (y.start, y.end)
    }

    /// A `shards` resource name, `path:start:end`, taken apart (nil when it is not one).
    struct Shard {
        var path: String, start: Int, end: Int
        init?(_ name: String) {
            let parts = name.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 3, let start = Int(parts[parts.count - 2]), let end = Int(parts[parts.count - 1]),
                  start >= 0, start < end else { return nil }
            path = parts.dropLast(2).joined(separator: ":")
            self.start = start
            self.end = end
        }
    }

    /// The bytes of `hex`, or nil when it is not an even number of hex digits (for digests read from
    /// a signature, where a bad digit must not pass as zero).
    static func strictBytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let hi = Self.nibble(digits[i]), let lo = Self.nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    /// This `files` manifest without the files `paths` name (relative to the folder; a folder leaves out
    /// everything below it), as hashing with those paths ignored would have made it, without reading a file.
    public func leavingOut(_ paths: [String]) -> ModelManifest {
        let ignored = Set(paths.map(ModelHasher.normalised))
        return ModelManifest(modelName: modelName, ignorePaths: serialization.ignorePaths + ignored.filter { !serialization.ignorePaths.contains($0) },
                             resources: resources.filter { !ModelHasher.isIgnored($0.name, by: ignored) })
    }

    public var totalBytes: Int { resources.reduce(0) { $0 + $1.size } }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// `sha256sum`'s layout, one line per file, then the root digest.
    public var text: String {
        var out = resources.map { "\($0.digest)  \($0.name)" }.joined(separator: "\n")
        out += (resources.isEmpty ? "" : "\n") + "root \(rootDigest)  (\(resources.count) files, \(totalBytes) bytes; model signing's manifest digest)\n"
        return out
    }
}
