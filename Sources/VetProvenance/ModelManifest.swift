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

        enum CodingKeys: String, CodingKey {
            case method
            case hashType = "hash_type", allowSymlinks = "allow_symlinks", ignorePaths = "ignore_paths"
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
    init(modelName: String, ignorePaths: [String], resources: [Resource]) {
        self.modelName = modelName
        serialization = Serialization(ignorePaths: ignorePaths.sorted())
        self.resources = resources.sorted { Self.precedes($0.name, $1.name) }
        var root = SHA256()
        for r in self.resources { root.update(data: Self.bytes(hex: r.digest)) }
        rootDigest = Self.hex(root.finalize())
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

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
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
