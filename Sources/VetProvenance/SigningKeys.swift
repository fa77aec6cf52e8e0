import Crypto
import Foundation
import VetBytes
import X509

/// Why a key, certificate or signature cannot be used: a message naming the file.
public struct SignatureError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The invocation cannot be carried out: a missing or unreadable key, a key of a type model signing
        /// does not accept (exit 2).
        case input
        /// The signature does not verify: malformed bundle, wrong key, untrusted certificate, changed files (exit 1).
        case verification
    }
    public let kind: Kind
    public let description: String
    public init(_ kind: Kind, _ description: String) { self.kind = kind; self.description = description }
}

/// An ECDSA private key on one of the curves OpenSSF model signing's key and certificate signers accept
/// (NIST P-256, P-384, P-521). Each curve signs with the SHA-2 of its size, as the reference does.
public enum SigningKey: Sendable {
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case p521(P521.Signing.PrivateKey)

    /// Reads a PEM private key (SEC 1 "EC PRIVATE KEY" or PKCS #8 "PRIVATE KEY").
    public static func load(_ path: String) throws -> SigningKey {
        let pem = try PEMFile.read(path, what: "private key")
        if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
            throw SignatureError(.input, "\(path): the private key is encrypted; decrypt it first (openssl pkey -in \(path) -out plain.pem) and keep the plain copy private")
        }
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) { return .p256(key) }  // each curve is tried in turn; the last failure is reported
        if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) { return .p384(key) }  // each curve is tried in turn; the last failure is reported
        do { return .p521(try P521.Signing.PrivateKey(pemRepresentation: pem)) } catch {
            throw SignatureError(.input, "\(path): \(PEMFile.unsupported(pem, role: "private key", error))")
        }
    }

    public var publicKey: VerificationKey {
        switch self {
        case .p256(let k): return .p256(k.publicKey)
        case .p384(let k): return .p384(k.publicKey)
        case .p521(let k): return .p521(k.publicKey)
        }
    }

    /// The DER-encoded ECDSA signature of `message` (hashed with SHA-256, -384 or -512 by curve).
    public func sign(_ message: Data) throws -> Data {
        switch self {
        case .p256(let k): return try k.signature(for: message).derRepresentation
        case .p384(let k): return try k.signature(for: message).derRepresentation
        case .p521(let k): return try k.signature(for: message).derRepresentation
        }
    }
}

/// An ECDSA public key on P-256, P-384 or P-521.
public enum VerificationKey: Sendable, Equatable {
    case p256(P256.Signing.PublicKey)
    case p384(P384.Signing.PublicKey)
    case p521(P521.Signing.PublicKey)

    public static func == (a: VerificationKey, b: VerificationKey) -> Bool { a.derRepresentation == b.derRepresentation }

    /// Reads a PEM public key (SubjectPublicKeyInfo, "PUBLIC KEY").
    public static func load(_ path: String) throws -> VerificationKey {
        let pem = try PEMFile.read(path, what: "public key")
        if pem.contains("PRIVATE KEY") {
            throw SignatureError(.input, "\(path) holds a private key; verification takes the public key (openssl pkey -in \(path) -pubout)")
        }
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) { return .p256(key) }  // each curve is tried in turn; the last failure is reported
        if let key = try? P384.Signing.PublicKey(pemRepresentation: pem) { return .p384(key) }  // each curve is tried in turn; the last failure is reported
        do { return .p521(try P521.Signing.PublicKey(pemRepresentation: pem)) } catch {
            throw SignatureError(.input, "\(path): \(PEMFile.unsupported(pem, role: "public key", error))")
        }
    }

    public var curve: String {
        switch self { case .p256: return "P-256"; case .p384: return "P-384"; case .p521: return "P-521" }
    }

    /// The key as swift-certificates represents it.
    var certificateKey: Certificate.PublicKey {
        switch self {
        case .p256(let k): return Certificate.PublicKey(k)
        case .p384(let k): return Certificate.PublicKey(k)
        case .p521(let k): return Certificate.PublicKey(k)
        }
    }

    /// The SubjectPublicKeyInfo, DER.
    public var derRepresentation: Data {
        switch self {
        case .p256(let k): return k.derRepresentation
        case .p384(let k): return k.derRepresentation
        case .p521(let k): return k.derRepresentation
        }
    }

    /// The key as PEM with 64-character lines, each ended by a newline: the bytes OpenSSL and Python's
    /// `cryptography` write, which the key hint is computed over.
    public var pem: String {
        let base64 = derRepresentation.base64EncodedString()
        var lines: [Substring] = []
        var index = base64.startIndex
        while index < base64.endIndex {
            let next = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(base64[index..<next])
            index = next
        }
        return "-----BEGIN PUBLIC KEY-----\n" + lines.joined(separator: "\n") + "\n-----END PUBLIC KEY-----\n"
    }

    /// The identifier model signing puts in a key bundle's `verificationMaterial.publicKey.hint`:
    /// the SHA-256, in hex, of the key's PEM.
    public var hint: String { Hex.encode(SHA256.hash(data: Data(pem.utf8))) }

    /// Whether `signature` (DER ECDSA) signs `message` under this key.
    public func isValid(signature: Data, for message: Data) -> Bool {
        switch self {
        case .p256(let k):
            guard let s = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }  // a malformed signature is an invalid one
            return k.isValidSignature(s, for: message)
        case .p384(let k):
            guard let s = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }  // a malformed signature is an invalid one
            return k.isValidSignature(s, for: message)
        case .p521(let k):
            guard let s = try? P521.Signing.ECDSASignature(derRepresentation: signature) else { return false }  // a malformed signature is an invalid one
            return k.isValidSignature(s, for: message)
        }
    }
}

/// Reading PEM files and naming the keys model signing does not take.
enum PEMFile {
    /// Keys and certificates are small; a larger file is not one.
    static let limit = 1 << 20

    static func read(_ path: String, what: String) throws -> String {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw SignatureError(.input, "\(path): the \(what) cannot be read (\((error as NSError).localizedDescription))")
        }
        guard data.count <= limit else { throw SignatureError(.input, "\(path): \(data.count) bytes is too large for a PEM \(what)") }
        guard let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN ") else {
            throw SignatureError(.input, "\(path) is not a PEM file (no -----BEGIN line); the \(what) must be PEM-encoded")
        }
        return text
    }

    /// What kind of unsupported key `pem` holds, from its label or its algorithm identifier.
    static func unsupported(_ pem: String, role: String, _ error: Error) -> String {
        let der = Data(base64Encoded: pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()) ?? Data()
        let found: String
        if pem.contains("RSA ") || der.range(of: Data([0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01])) != nil {
            found = "an RSA key"
        } else if der.range(of: Data([0x06, 0x03, 0x2B, 0x65, 0x70])) != nil {
            found = "an Ed25519 key"
        } else if der.range(of: Data([0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x0A])) != nil {
            found = "an EC key on secp256k1"
        } else if pem.contains("CERTIFICATE") {
            found = "a certificate"
        } else {
            found = "not a key modelvet can read (\(error))"
        }
        return "\(found), where an ECDSA \(role) on P-256, P-384 or P-521 is needed (the key types model signing accepts)"
    }
}
