import Crypto
import Foundation
import VetBytes
import SwiftASN1
import X509

/// Signing a model's manifest and verifying a signature against a model folder, in OpenSSF model
/// signing's format: a Sigstore bundle (v0.3) holding a DSSE envelope over an in-toto statement whose
/// predicate lists every file's SHA-256. Key signatures identify the key by a hint (the SHA-256 of its
/// PEM); certificate signatures carry the signing certificate and its chain.
public enum ModelSignature {
    /// Who vouches for a signature.
    public enum Trust: Sendable {
        /// The public key paired with the signing key.
        case key(VerificationKey)
        /// Root certificates: the bundle's signing certificate must chain to one of them.
        case roots([Certificate])
    }

    /// Signs `manifest` with `key`. With `certificates` (the signing certificate first, then the chain
    /// toward a root), the bundle carries them instead of the key hint, as model signing's certificate
    /// signer writes it; the certificate must hold the key's public half.
    public static func sign(_ manifest: ModelManifest, key: SigningKey, certificates: [Certificate] = []) throws -> SigstoreBundle {
        let payload = try ModelStatement(manifest).json()
        let signature = try key.sign(SigstoreBundle.pae(type: ModelStatement.payloadType, payload: payload))
        var material = SigstoreBundle.VerificationMaterial(tlogEntries: [])
        if let leaf = certificates.first {
            guard leaf.publicKey == key.publicKey.certificateKey else {
                throw SignatureError(.input, "the signing certificate (\(leaf.subject)) holds another key than the private key given")
            }
            material.x509CertificateChain = .init(certificates: try certificates.map { certificate in
                var der = DER.Serializer()
                try der.serialize(certificate)
                return .init(rawBytes: Data(der.serializedBytes).base64EncodedString())
            })
        } else {
            material.publicKey = .init(hint: key.publicKey.hint)
        }
        return SigstoreBundle(
            mediaType: SigstoreBundle.mediaTypeV03, verificationMaterial: material,
            dsseEnvelope: .init(payload: payload.base64EncodedString(), payloadType: ModelStatement.payloadType,
                                signatures: [.init(sig: signature.base64EncodedString(), keyid: "")]))
    }

    /// What an authentic signature says about the model.
    public struct Signed: Sendable {
        public var modelName: String
        public var rootDigest: String
        /// File (or shard) name to SHA-256 (hex), in the signed order.
        public var resources: [(name: String, digest: String)]
        /// The shard size of a `shards` signature (nil for `files`).
        public var shardSize: Int?
        /// Paths the signer left out of the signature (relative to the folder), as honoured: only paths
        /// strictly inside the folder.
        public var ignorePaths: [String]
        /// Signed ignore paths that are not honoured: the folder itself (`.`, which would make an empty
        /// signature match any folder), absolute paths and paths that leave the folder.
        public var unhonouredIgnorePaths: [String]
        /// Who signed: the key's curve and hint, or the certificate's subject and issuer.
        public var signer: String
    }

    /// Checks that `bundle` is authentic under `trust` and well formed, and returns what it signs.
    /// - Throws: `SignatureError(.verification)` naming the reason.
    public static func open(_ bundle: SigstoreBundle, trust: Trust, file: String) throws -> Signed {
        func fail(_ message: String) -> SignatureError { SignatureError(.verification, "\(file): \(message)") }
        guard bundle.mediaType == SigstoreBundle.mediaTypeV03 else {
            throw fail("media type '\(bundle.mediaType)' is not \(SigstoreBundle.mediaTypeV03), the bundle model signing writes")
        }
        guard let envelope = bundle.dsseEnvelope else {
            throw fail("the bundle has no DSSE envelope (a plain message signature is not a model signature)")
        }
        guard envelope.signatures.count == 1, let only = envelope.signatures.first else {
            throw fail("the envelope carries \(envelope.signatures.count) signatures; a model signature carries exactly one")
        }
        guard let payload = Data(base64Encoded: envelope.payload) else { throw fail("the envelope's payload is not base64") }
        guard let signature = Data(base64Encoded: only.sig) else { throw fail("the signature is not base64") }
        let material = bundle.verificationMaterial
        let key: VerificationKey, signer: String
        switch trust {
        case .key(let given):
            if material.x509CertificateChain != nil || material.certificate != nil {
                throw fail("the bundle was signed with a certificate; verify it with --certificate-chain (the trusted roots), not a public key")
            }
            if let hint = material.publicKey?.hint, hint != given.hint {
                throw fail("signed by another key: the bundle's key hint is \(hint), the public key given has hint \(given.hint)")
            }
            key = given
            signer = "\(given.curve) key \(given.hint)"
        case .roots(let roots):
            if material.certificate != nil {
                throw fail("this is a Sigstore keyless signature (one Fulcio certificate); checking it needs Sigstore's online trust root and transparency log, which modelvet does not consult")
            }
            guard let chain = material.x509CertificateChain?.certificates, !chain.isEmpty else {
                throw fail("the bundle carries no certificate chain (it was signed with a bare key; verify it with --public-key)")
            }
            let certificates = try chain.enumerated().map { index, c -> Certificate in
                guard let der = Data(base64Encoded: c.rawBytes) else { throw fail("certificate \(index) is not base64") }
                do { return try Certificate(derEncoded: Array(der)) } catch { throw fail("certificate \(index) is not an X.509 certificate (\(error))") }
            }
            key = try Self.validate(certificates, roots: roots, file: file)
            signer = "certificate '\(certificates[0].subject)' issued by '\(certificates[0].issuer)'"
        }
        guard key.isValid(signature: signature, for: SigstoreBundle.pae(type: envelope.payloadType, payload: payload)) else {
            throw fail("the signature does not verify under \(signer): the bundle was altered or signed with another key")
        }
        guard envelope.payloadType == ModelStatement.payloadType else {
            throw fail("payload type '\(envelope.payloadType)' is not \(ModelStatement.payloadType)")
        }
        return try Self.statement(payload, signer: signer, fail: fail)
    }

    /// The signed statement, checked: the predicate model signing 1.x writes, one subject whose digest is
    /// the root of the listed digests, and file names that stay inside the folder.
    static func statement(_ payload: Data, signer: String, fail: (String) -> SignatureError) throws -> Signed {
        let statement: ModelStatement
        do { statement = try JSONDecoder().decode(ModelStatement.self, from: payload) } catch {
            throw fail("the signed payload is not an in-toto statement: \(SigstoreBundle.describe(error))")
        }
        guard statement.type == ModelStatement.statementType else { throw fail("statement type '\(statement.type)' is not \(ModelStatement.statementType)") }
        if statement.predicateType == ModelStatement.predicateTypeV02 {
            throw fail("the signature uses model signing 0.2's experimental predicate (\(ModelStatement.predicateTypeV02)), which lists no serialization; re-sign the model with a current signer")
        }
        guard statement.predicateType == ModelStatement.predicateType, let predicate = statement.predicate else {
            throw fail("predicate type '\(statement.predicateType)' is not \(ModelStatement.predicateType)")
        }
        let shardSize: Int?
        switch predicate.serialization.method {
        case "files": shardSize = nil
        case "shards":
            guard let size = predicate.serialization.shardSize, size > 0 else { throw fail("the 'shards' serialization needs a positive shard_size") }
            shardSize = size
        default:
            throw fail("serialization method '\(predicate.serialization.method)' is not supported (modelvet checks model signing's 'files' and 'shards' methods)")
        }
        let algorithm = shardSize.map { "sha256-sharded-\($0)" } ?? "sha256"
        guard predicate.serialization.hashType == "sha256" else {
            throw fail("hash type '\(predicate.serialization.hashType)' is not supported (modelvet checks sha256, model signing's default)")
        }
        guard statement.subject.count == 1, let subject = statement.subject.first, let root = subject.digest["sha256"] else {
            throw fail("the statement must name exactly one subject with a sha256 digest (it names \(statement.subject.count))")
        }
        var seen = Set<String>()
        var rootHasher = SHA256()
        var resources: [(name: String, digest: String)] = []
        for resource in predicate.resources {
            guard resource.algorithm == algorithm else { throw fail("'\(resource.name)' is hashed with \(resource.algorithm), not \(algorithm)") }
            guard let bytes = ModelManifest.strictBytes(hex: resource.digest), bytes.count == 32 else {
                throw fail("'\(resource.name)' has a digest that is not 64 hex digits")
            }
            var path = resource.name
            if let shardSize {
                guard let shard = ModelManifest.Shard(resource.name), shard.end - shard.start <= shardSize else {
                    throw fail("'\(resource.name)' is not a shard name (path:start:end, at most \(shardSize) bytes)")
                }
                path = shard.path
            }
            if let reason = Self.unsafe(path) { throw fail("the signed manifest names '\(path)', which \(reason)") }
            guard seen.insert(resource.name).inserted else { throw fail("the signed manifest names '\(resource.name)' twice") }
            rootHasher.update(data: bytes)
            resources.append((resource.name, resource.digest.lowercased()))
        }
        let computed = Hex.encode(rootHasher.finalize())
        guard computed == root.lowercased() else {
            throw fail("the manifest is inconsistent: the subject's root digest is \(root), the listed digests hash to \(computed)")
        }
        let ignores = predicate.serialization.ignorePaths ?? []
        return Signed(modelName: subject.name, rootDigest: computed, resources: resources, shardSize: shardSize,
                      ignorePaths: ignores.filter(Self.isInside), unhonouredIgnorePaths: ignores.filter { !Self.isInside($0) }, signer: signer)
    }

    /// Whether a signed ignore path names something strictly inside the folder.
    static func isInside(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return !path.hasPrefix("/") && !parts.isEmpty && !parts.contains("..") && !parts.allSatisfy { $0 == "." }
    }

    /// Why a signed resource name could not be a file inside the model folder, or nil.
    static func unsafe(_ name: String) -> String? {
        if name == "." { return nil }
        if name.isEmpty { return "is empty" }
        if name.hasPrefix("/") { return "is an absolute path" }
        if name.contains("\\") { return "contains a backslash" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "contains a control character" }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains("..") { return "escapes the model folder (..)" }
        if parts.contains(where: { $0.isEmpty || $0 == "." }) { return "is not a normalised relative path" }
        return nil
    }

    /// The signing certificate's key once the chain is valid under `roots` at the time the certificate
    /// was issued (as model signing checks it: the certificate need not be valid today), and the
    /// certificate may sign (key usage digitalSignature, or extended key usage codeSigning).
    static func validate(_ chain: [Certificate], roots: [Certificate], file: String) throws -> VerificationKey {
        let leaf = chain[0]
        let result = Blocking.run { [chain] in
            var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy(validationTime: leaf.notValidBefore) }
            return await verifier.validate(leaf: leaf, intermediates: CertificateStore(Array(chain.dropFirst())))
        }
        if case .couldNotValidate(let failures) = result {
            let reasons = failures.map { Self.brief("\($0.policyFailureReason)") }
            throw SignatureError(.verification, "\(file): the signing certificate '\(leaf.subject)' does not chain to any of the \(roots.count) trusted root certificates"
                                 + (reasons.isEmpty ? " (no path to one)" : ": " + reasons.joined(separator: "; ")))
        }
        let usage = (try? leaf.extensions.keyUsage)?.digitalSignature == true  // an unparsable extension grants nothing
        let extended = (try? leaf.extensions.extendedKeyUsage)?.contains(.codeSigning) == true  // an unparsable extension grants nothing
        guard usage || extended else {
            throw SignatureError(.verification, "\(file): the signing certificate '\(leaf.subject)' may not sign (neither key usage digitalSignature nor extended key usage codeSigning)")
        }
        if let k = P256.Signing.PublicKey(leaf.publicKey) { return .p256(k) }
        if let k = P384.Signing.PublicKey(leaf.publicKey) { return .p384(k) }
        if let k = P521.Signing.PublicKey(leaf.publicKey) { return .p521(k) }
        throw SignatureError(.verification, "\(file): the signing certificate's key is not ECDSA P-256, P-384 or P-521")
    }

    /// A policy failure's text with each certificate dump cut to its subject.
    static func brief(_ reason: String) -> String {
        let dump = try! NSRegularExpression(pattern: #"Certificate\(version: .*?subject: "([^"]*)".*?\]\)"#)  // a constant pattern
        return dump.stringByReplacingMatches(in: reason, range: NSRange(reason.startIndex..., in: reason), withTemplate: "'$1'")
    }

    /// Reads PEM certificates (one or more in a file).
    public static func certificates(_ path: String) throws -> [Certificate] {
        let text = try PEMFile.read(path, what: "certificate")
        var out: [Certificate] = []
        var rest = Substring(text)
        while let begin = rest.range(of: "-----BEGIN CERTIFICATE-----") {
            guard let end = rest.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<rest.endIndex) else {
                throw SignatureError(.input, "\(path): a certificate has no END line")
            }
            do { out.append(try Certificate(pemEncoded: String(rest[begin.lowerBound..<end.upperBound]))) } catch {
                throw SignatureError(.input, "\(path): certificate \(out.count + 1) cannot be read (\(error))")
            }
            rest = rest[end.upperBound...]
        }
        guard !out.isEmpty else { throw SignatureError(.input, "\(path) holds no PEM certificate") }
        return out
    }

    /// How the folder differs from what was signed.
    public struct Difference: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable { case changed, missing, added }
        public var kind: Kind
        public var name: String
    }

    /// Files that differ between the signed list and `actual`, changed first, each kind sorted by name.
    public static func compare(_ signed: Signed, _ actual: ModelManifest) -> [Difference] {
        let expected = Dictionary(signed.resources.map { ($0.name, $0.digest) }, uniquingKeysWith: { a, _ in a })
        let found = Dictionary(actual.resources.map { ($0.name, $0.digest) }, uniquingKeysWith: { a, _ in a })
        var out: [Difference] = []
        for r in actual.resources { if let d = expected[r.name], d != r.digest { out.append(.init(kind: .changed, name: r.name)) } }
        for r in signed.resources where found[r.name] == nil { out.append(.init(kind: .missing, name: r.name)) }
        for r in actual.resources where expected[r.name] == nil { out.append(.init(kind: .added, name: r.name)) }
        return out
    }
}

/// Runs async work to completion from synchronous code (the command line is synchronous; X.509 chain
/// validation is async but does no I/O).
enum Blocking {
    final class Box<T>: @unchecked Sendable { var value: T?; let done = DispatchSemaphore(value: 0) }

    static func run<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
        let box = Box<T>()
        Task.detached {
            box.value = await work()
            box.done.signal()
        }
        box.done.wait()
        return box.value!
    }
}
