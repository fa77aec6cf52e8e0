import Foundation

/// A Sigstore bundle (media type v0.3, JSON) as OpenSSF model signing writes it for key and
/// certificate signatures: verification material (a public key hint or an X.509 chain, no transparency
/// log entries) and a DSSE envelope whose payload is an in-toto statement about the model.
public struct SigstoreBundle: Codable, Sendable {
    public static let mediaTypeV03 = "application/vnd.dev.sigstore.bundle.v0.3+json"

    public struct PublicKeyIdentifier: Codable, Sendable { public var hint: String? }
    public struct X509Certificate: Codable, Sendable { public var rawBytes: String }
    public struct X509CertificateChain: Codable, Sendable { public var certificates: [X509Certificate] }

    public struct VerificationMaterial: Codable, Sendable {
        public var publicKey: PublicKeyIdentifier?
        public var x509CertificateChain: X509CertificateChain?
        /// A single certificate: Sigstore's keyless (Fulcio) signatures.
        public var certificate: X509Certificate?
        /// Transparency log entries; model signing's key and certificate bundles carry none. Kept opaque.
        public var tlogEntries: [OpaqueObject]?
    }

    public struct Signature: Codable, Sendable {
        public var sig: String
        public var keyid: String?
    }

    public struct Envelope: Codable, Sendable {
        public var payload: String
        public var payloadType: String
        public var signatures: [Signature]
    }

    public var mediaType: String
    public var verificationMaterial: VerificationMaterial
    public var dsseEnvelope: Envelope?
    /// A plain message signature: Sigstore's other content type, which model signing never writes.
    public var messageSignature: OpaqueObject?

    /// DSSE's pre-authentication encoding of `payload` (DSSE v1.0 protocol): what is signed.
    public static func pae(type: String, payload: Data) -> Data {
        var out = Data("DSSEv1 \(type.utf8.count) \(type) \(payload.count) ".utf8)
        out.append(payload)
        return out
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Bundles are small; a larger file is not one of model signing's.
    static let limit = 256 << 20

    /// Reads and decodes a bundle; a file that is not one is a verification failure naming the file.
    public static func read(_ path: String) throws -> SigstoreBundle {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw SignatureError(.input, "\(path): the signature cannot be read (\((error as NSError).localizedDescription))")
        }
        guard data.count <= limit else { throw SignatureError(.verification, "\(path): \(data.count) bytes is not a model signature bundle") }
        do { return try JSONDecoder().decode(SigstoreBundle.self, from: data) } catch {
            throw SignatureError(.verification, "\(path) is not a Sigstore bundle: \(Self.describe(error))")
        }
    }

    /// A decoding error as one line naming the field.
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return p.isEmpty ? "the top level" : String(p.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let c): return "\(path(c)): required field '\(key.stringValue)' is missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)): \(c.debugDescription)"
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// A JSON object modelvet carries without reading it (transparency log entries, message signatures).
public struct OpaqueObject: Codable, Sendable {}

/// The in-toto statement model signing signs (predicate type `https://model_signing/signature/v1.0`):
/// one subject, the model's name and root digest, and a predicate listing every file's digest and the
/// serialization that produced the list.
public struct ModelStatement: Codable, Sendable {
    public static let statementType = "https://in-toto.io/Statement/v1"
    public static let payloadType = "application/vnd.in-toto+json"
    public static let predicateType = "https://model_signing/signature/v1.0"
    /// The experimental predicate of model signing 0.2, whose subjects were the files themselves.
    public static let predicateTypeV02 = "https://model_signing/Digests/v0.1"

    public struct Subject: Codable, Sendable {
        public var name: String
        public var digest: [String: String]
    }

    public struct Resource: Codable, Sendable {
        public var name: String
        public var algorithm: String
        public var digest: String
    }

    public struct Serialization: Codable, Sendable {
        public var method: String
        public var hashType: String
        public var allowSymlinks: Bool?
        public var ignorePaths: [String]?
        public var shardSize: Int?

        enum CodingKeys: String, CodingKey {
            case method
            case hashType = "hash_type", allowSymlinks = "allow_symlinks", ignorePaths = "ignore_paths", shardSize = "shard_size"
        }

        init(method: String, hashType: String, allowSymlinks: Bool?, ignorePaths: [String]?, shardSize: Int?) {
            self.method = method; self.hashType = hashType; self.allowSymlinks = allowSymlinks
            self.ignorePaths = ignorePaths; self.shardSize = shardSize
        }

        /// The reference's signer writes the shard size through a protobuf Struct, as a float (1000.0):
        /// accepted when it is a whole number.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            method = try c.decode(String.self, forKey: .method)
            hashType = try c.decode(String.self, forKey: .hashType)
            allowSymlinks = try c.decodeIfPresent(Bool.self, forKey: .allowSymlinks)
            ignorePaths = try c.decodeIfPresent([String].self, forKey: .ignorePaths)
            if let whole = try? c.decodeIfPresent(Int.self, forKey: .shardSize) {  // an integer; else the float form below
                shardSize = whole
            } else if let value = try c.decodeIfPresent(Double.self, forKey: .shardSize) {
                guard let exact = Int(exactly: value) else {
                    throw DecodingError.dataCorruptedError(forKey: .shardSize, in: c, debugDescription: "shard_size \(value) is not a whole number")
                }
                shardSize = exact
            } else {
                shardSize = nil
            }
        }
    }

    public struct Predicate: Codable, Sendable {
        public var serialization: Serialization
        public var resources: [Resource]
    }

    public var type: String
    public var subject: [Subject]
    public var predicateType: String
    public var predicate: Predicate?

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject, predicateType, predicate
    }

    /// The statement for `manifest`.
    public init(_ manifest: ModelManifest) {
        type = Self.statementType
        predicateType = Self.predicateType
        subject = [Subject(name: manifest.modelName, digest: ["sha256": manifest.rootDigest])]
        let s = manifest.serialization
        predicate = Predicate(
            serialization: Serialization(method: s.method, hashType: s.hashType, allowSymlinks: s.allowSymlinks, ignorePaths: s.ignorePaths,
                                         shardSize: s.shardSize),
            resources: manifest.resources.map { Resource(name: $0.name, algorithm: $0.algorithm, digest: $0.digest) })
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
