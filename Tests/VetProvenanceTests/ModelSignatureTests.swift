import Crypto
import Foundation
import VetBytes
import Testing
import VetTestSupport
import X509
@testable import VetProvenance

@Suite("modelvet sign/verify: model signing bundles")
struct ModelSignatureTests {
    static func model() throws -> (root: String, manifest: ModelManifest) {
        let root = try ModelHasherTests.folder(["config.json": Array("{}".utf8), "weights/model.safetensors": [1, 2, 3, 4], "README.md": [5]])
        return (root, try ModelHasher.manifest(root))
    }

    static func payload(_ bundle: SigstoreBundle) throws -> [String: Any] {
        let envelope = try #require(bundle.dsseEnvelope)
        let data = try #require(Data(base64Encoded: envelope.payload))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// `open`'s error message, or "opened".
    static func failure(_ bundle: SigstoreBundle, _ trust: ModelSignature.Trust) -> String {
        do { _ = try ModelSignature.open(bundle, trust: trust, file: "model.sig"); return "opened" } catch { return "\(error)" }
    }

    /// A bundle whose payload is `statement` (any JSON), correctly signed by `key`: only the statement checks can refuse it.
    static func signed(_ statement: [String: Any], key: SigningKey, payloadType: String = ModelStatement.payloadType) throws -> SigstoreBundle {
        let payload = try JSONSerialization.data(withJSONObject: statement)
        let sig = try key.sign(SigstoreBundle.pae(type: payloadType, payload: payload))
        return SigstoreBundle(mediaType: SigstoreBundle.mediaTypeV03,
                              verificationMaterial: .init(publicKey: .init(hint: key.publicKey.hint), tlogEntries: []),
                              dsseEnvelope: .init(payload: payload.base64EncodedString(), payloadType: payloadType,
                                                  signatures: [.init(sig: sig.base64EncodedString(), keyid: "")]))
    }

    @Test("each curve signs and verifies; the bundle is model signing's: media type, key hint, in-toto statement over the manifest")
    func roundTrip() throws {
        let (root, manifest) = try Self.model()
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        for key in [SigningKey.p256(.init()), .p384(.init()), .p521(.init())] {
            let bundle = try ModelSignature.sign(manifest, key: key)
            #expect(bundle.mediaType == "application/vnd.dev.sigstore.bundle.v0.3+json")
            #expect(bundle.verificationMaterial.publicKey?.hint == Hex.encode(SHA256.hash(data: Data(key.publicKey.pem.utf8))))
            #expect(bundle.dsseEnvelope?.payloadType == "application/vnd.in-toto+json")
            let statement = try Self.payload(bundle)
            #expect(statement["_type"] as? String == "https://in-toto.io/Statement/v1")
            #expect(statement["predicateType"] as? String == "https://model_signing/signature/v1.0")
            let subject = try #require((statement["subject"] as? [[String: Any]])?.first)
            #expect((subject["digest"] as? [String: String])?["sha256"] == manifest.rootDigest)
            let signed = try ModelSignature.open(bundle, trust: .key(key.publicKey), file: "model.sig")
            #expect(signed.resources.map(\.name) == ["README.md", "config.json", "weights/model.safetensors"])
            #expect(signed.resources.map(\.digest) == manifest.resources.map(\.digest))
            #expect(signed.rootDigest == manifest.rootDigest)
            #expect(ModelSignature.compare(signed, manifest).isEmpty)
            // Re-read from its JSON, as a file.
            let reread = try JSONDecoder().decode(SigstoreBundle.self, from: try bundle.json())
            #expect(Self.failure(reread, .key(key.publicKey)) == "opened")
        }
    }

    @Test("the key's PEM is OpenSSL's (64-column lines, final newline), so the hint matches model signing's")
    func keyPEM() throws {
        let key = P256.Signing.PrivateKey()
        let pem = VerificationKey.p256(key.publicKey).pem
        #expect(pem == key.publicKey.pemRepresentation + "\n")
        #expect(pem.split(separator: "\n").allSatisfy { $0.count <= 64 })
        #expect(try P256.Signing.PublicKey(pemRepresentation: pem).rawRepresentation == key.publicKey.rawRepresentation)
    }

    @Test("another key, an altered payload or signature, a key bundle checked against roots: each refused with its reason")
    func authenticity() throws {
        let (root, manifest) = try Self.model()
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let key = SigningKey.p256(.init()), other = SigningKey.p256(.init())
        let bundle = try ModelSignature.sign(manifest, key: key)
        #expect(Self.failure(bundle, .key(other.publicKey)).contains("signed by another key"))
        var noHint = bundle
        noHint.verificationMaterial.publicKey = nil
        #expect(Self.failure(noHint, .key(other.publicKey)).contains("does not verify"))
        #expect(Self.failure(noHint, .key(key.publicKey)) == "opened")
        // The payload with one digest changed, the signature kept.
        var altered = bundle
        let text = String(decoding: try #require(Data(base64Encoded: bundle.dsseEnvelope!.payload)), as: UTF8.self)
        let first = try #require(manifest.resources.first?.digest)
        altered.dsseEnvelope!.payload = Data(text.replacingOccurrences(of: first, with: String(repeating: "0", count: 64)).utf8).base64EncodedString()
        #expect(Self.failure(altered, .key(key.publicKey)).contains("does not verify"))
        var badSig = bundle
        var sig = try #require(Data(base64Encoded: bundle.dsseEnvelope!.signatures[0].sig))
        sig[sig.count - 1] ^= 1
        badSig.dsseEnvelope!.signatures[0].sig = sig.base64EncodedString()
        #expect(Self.failure(badSig, .key(key.publicKey)).contains("does not verify"))
        badSig.dsseEnvelope!.signatures[0].sig = "not base64!"
        #expect(Self.failure(badSig, .key(key.publicKey)).contains("not base64"))
        var two = bundle
        two.dsseEnvelope!.signatures.append(two.dsseEnvelope!.signatures[0])
        #expect(Self.failure(two, .key(key.publicKey)).contains("carries 2 signatures"))
        var media = bundle
        media.mediaType = "application/vnd.dev.sigstore.bundle+json;version=0.1"
        #expect(Self.failure(media, .key(key.publicKey)).contains("media type"))
        #expect(Self.failure(bundle, .roots([try TestPKI.root().certificate])).contains("signed with a bare key"))
        var keyless = bundle
        keyless.verificationMaterial.certificate = .init(rawBytes: "AAAA")
        #expect(Self.failure(keyless, .roots([try TestPKI.root().certificate])).contains("keyless"))
    }

    @Test("a signed statement that is not model signing's, or whose names leave the folder, is refused naming the problem")
    func statementChecks() throws {
        let key = SigningKey.p256(.init())
        let digest = String(repeating: "ab", count: 32)
        func statement(names: [String], digests: [String]? = nil, root: String? = nil, predicateType: String = ModelStatement.predicateType,
                       method: String = "files", hash: String = "sha256", subjects: Int = 1) -> [String: Any] {
            let ds = digests ?? names.map { _ in digest }
            var h = SHA256()
            for d in ds { h.update(data: ModelManifest.strictBytes(hex: d) ?? []) }
            let computed = Hex.encode(h.finalize())
            return [
                "_type": ModelStatement.statementType,
                "subject": Array(repeating: ["name": "m", "digest": ["sha256": root ?? computed]], count: subjects),
                "predicateType": predicateType,
                "predicate": [
                    "serialization": ["method": method, "hash_type": hash, "allow_symlinks": false],
                    "resources": zip(names, ds).map { ["name": $0, "algorithm": "sha256", "digest": $1] },
                ],
            ]
        }
        func refusal(_ s: [String: Any], payloadType: String = ModelStatement.payloadType) throws -> String {
            Self.failure(try Self.signed(s, key: key, payloadType: payloadType), .key(key.publicKey))
        }
        #expect(try refusal(statement(names: ["a.txt", "sub/b"])) == "opened")
        #expect(try refusal(statement(names: ["../outside"])).contains("escapes the model folder"))
        #expect(try refusal(statement(names: ["/etc/passwd"])).contains("absolute path"))
        #expect(try refusal(statement(names: ["a//b"])).contains("not a normalised relative path"))
        #expect(try refusal(statement(names: ["./a"])).contains("not a normalised relative path"))
        #expect(try refusal(statement(names: ["a\\..\\b"])).contains("backslash"))
        #expect(try refusal(statement(names: ["a\nb"])).contains("control character"))
        #expect(try refusal(statement(names: ["a", "a"])).contains("names 'a' twice"))
        // Shards: names path:start:end no longer than the shard size, the sharded algorithm name, a whole shard size
        // (model_signing writes it as a float, 1000.0).
        func sharded(_ names: [String], size: Any = 1000, algorithm: String = "sha256-sharded-1000") -> [String: Any] {
            var s = statement(names: names)
            s["predicate"] = ["serialization": ["method": "shards", "hash_type": "sha256", "shard_size": size, "allow_symlinks": false],
                              "resources": names.map { ["name": $0, "algorithm": algorithm, "digest": digest] }]
            return s
        }
        let good = try ModelSignature.open(try Self.signed(sharded(["big.bin:0:1000", "big.bin:1000:1500"], size: 1000.0), key: key),
                                           trust: .key(key.publicKey), file: "s")
        #expect(good.shardSize == 1000 && good.resources.count == 2)
        #expect(try refusal(sharded(["a:0:1000"], size: 1000.5)).contains("not a whole number"))
        #expect(try refusal(sharded(["a:0:2000"])).contains("is not a shard name"))
        #expect(try refusal(sharded(["a:5:5"])).contains("is not a shard name"))
        #expect(try refusal(sharded(["a"])).contains("is not a shard name"))
        #expect(try refusal(sharded(["../a:0:10"])).contains("escapes the model folder"))
        #expect(try refusal(sharded(["a:0:10"], algorithm: "sha256")).contains("not sha256-sharded-1000"))
        // Signed ignore paths: only those strictly inside the folder are honoured; "." would make an empty
        // signature match any folder (model_signing 1.1.1 honours it and verifies such a signature).
        var ignoring = statement(names: [])
        ignoring["predicate"] = ["serialization": ["method": "files", "hash_type": "sha256", "allow_symlinks": false,
                                                   "ignore_paths": [".", "./", "../up", "/etc", "docs", "a/b"]], "resources": [] as [Any]]
        let opened = try ModelSignature.open(try Self.signed(ignoring, key: key), trust: .key(key.publicKey), file: "s")
        #expect(opened.ignorePaths == ["docs", "a/b"])
        #expect(opened.unhonouredIgnorePaths == [".", "./", "../up", "/etc"])
        #expect(try refusal(statement(names: ["a"], root: String(repeating: "0", count: 64))).contains("manifest is inconsistent"))
        #expect(try refusal(statement(names: ["a"], digests: [String(repeating: "zz", count: 32)])).contains("not 64 hex digits"))
        #expect(try refusal(statement(names: ["a"], digests: ["abcd"])).contains("not 64 hex digits"))
        #expect(try refusal(statement(names: ["a"], predicateType: ModelStatement.predicateTypeV02)).contains("0.2's experimental predicate"))
        #expect(try refusal(statement(names: ["a"], predicateType: "https://slsa.dev/provenance/v1")).contains("predicate type"))
        #expect(try refusal(statement(names: ["a"], method: "trees")).contains("serialization method 'trees'"))
        #expect(try refusal(statement(names: ["a"], method: "shards")).contains("needs a positive shard_size"))
        #expect(try refusal(statement(names: ["a"], hash: "blake2")).contains("hash type 'blake2'"))
        #expect(try refusal(statement(names: ["a"], subjects: 2)).contains("exactly one subject"))
        #expect(try refusal(statement(names: ["a"]), payloadType: "text/plain").contains("payload type"))
        #expect(try refusal(["_type": ModelStatement.statementType]).contains("required field 'subject' is missing"))
        #expect(try refusal(["_type": "https://example.com/other", "subject": [], "predicateType": "x"]).contains("statement type"))
    }

    @Test("reading a bundle: not JSON, a missing field, a missing file: errors naming the file and field")
    func reading() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-bundle-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        func message(_ text: String?) throws -> String {
            let path = dir + "/model.sig"
            if let text { try TestPKI.write(text, to: path) }
            do { _ = try SigstoreBundle.read(path); return "read" } catch { return "\(error)" }
        }
        #expect(try message(nil).contains("cannot be read"))
        #expect(try message("not json").contains("model.sig is not a Sigstore bundle"))
        #expect(try message(#"{"mediaType": "x"}"#).contains("required field 'verificationMaterial' is missing"))
        #expect(try message(#"{"mediaType": "x", "verificationMaterial": {"tlogEntries": [{"a": [1, null, true]}]}, "dsseEnvelope": {"payload": 1}}"#)
            .contains("dsseEnvelope.payload"))
    }

    @Test("the folder against the signed list: changed, missing and added files, each named")
    func differences() throws {
        let (root, manifest) = try Self.model()
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let key = SigningKey.p384(.init())
        let signed = try ModelSignature.open(try ModelSignature.sign(manifest, key: key), trust: .key(key.publicKey), file: "s")
        try Data([9]).write(to: URL(fileURLWithPath: root + "/config.json"))
        try FileManager.default.removeItem(atPath: root + "/README.md")
        try Data([1]).write(to: URL(fileURLWithPath: root + "/extra.py"))
        let now = try ModelHasher.manifest(root)
        #expect(ModelSignature.compare(signed, now) == [
            .init(kind: .changed, name: "config.json"), .init(kind: .missing, name: "README.md"), .init(kind: .added, name: "extra.py"),
        ])
    }

    @Test("certificate signatures: valid chain accepted; an untrusted root, a certificate that may not sign, a key mismatch refused")
    func certificates() throws {
        let (root, manifest) = try Self.model()
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let ca = try TestPKI.root()
        let intermediateKey = P256.Signing.PrivateKey()
        let intermediate = try TestPKI.issue("Intermediate", publicKey: .init(intermediateKey.publicKey), by: ca, authority: true)
        let issuer = TestPKI.Authority(key: intermediateKey, certificate: intermediate)
        let key = P256.Signing.PrivateKey()
        let leaf = try TestPKI.issue("Publisher", publicKey: .init(key.publicKey), by: issuer)
        let bundle = try ModelSignature.sign(manifest, key: .p256(key), certificates: [leaf, intermediate])
        #expect(bundle.verificationMaterial.publicKey == nil)
        #expect(bundle.verificationMaterial.x509CertificateChain?.certificates.count == 2)
        let signed = try ModelSignature.open(bundle, trust: .roots([ca.certificate]), file: "model.sig")
        #expect(signed.signer.contains("CN=Publisher"))
        #expect(Self.failure(bundle, .roots([try TestPKI.root("Other Root").certificate])).contains("does not chain"))
        #expect(Self.failure(bundle, .key(.p256(key.publicKey))).contains("signed with a certificate"))
        // A leaf whose usages do not include signing.
        let tls = try TestPKI.issue("TLS server", publicKey: .init(key.publicKey), by: issuer, digitalSignature: false, codeSigning: false)
        let tlsBundle = try ModelSignature.sign(manifest, key: .p256(key), certificates: [tls, intermediate])
        #expect(Self.failure(tlsBundle, .roots([ca.certificate])).contains("may not sign"))
        // A certificate issued since expired verifies: the chain is checked at issuance, as model signing does.
        let old = try TestPKI.issue("Old", publicKey: .init(key.publicKey), by: issuer,
                                    notBefore: Date().addingTimeInterval(-1800), notAfter: Date().addingTimeInterval(-60))
        #expect(Self.failure(try ModelSignature.sign(manifest, key: .p256(key), certificates: [old, intermediate]), .roots([ca.certificate])) == "opened")
        // The certificate must hold the signing key.
        #expect(throws: SignatureError.self) { try ModelSignature.sign(manifest, key: .p256(.init()), certificates: [leaf]) }
        // A forged chain: the leaf re-signed by a key that is not the intermediate's.
        let forger = TestPKI.Authority(key: P256.Signing.PrivateKey(), certificate: intermediate)
        let forged = try TestPKI.issue("Publisher", publicKey: .init(key.publicKey), by: forger)
        #expect(Self.failure(try ModelSignature.sign(manifest, key: .p256(key), certificates: [forged, intermediate]), .roots([ca.certificate])).contains("does not chain"))
    }

    @Test("keys: SEC 1 and PKCS #8 on each curve load; Ed25519, RSA, encrypted, public-for-private and non-PEM files are refused by name")
    func keys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        func load(_ text: String, _ name: String = "key.pem") throws -> String {
            try TestPKI.write(text, to: dir + "/" + name)
            do { return "\(try SigningKey.load(dir + "/" + name).publicKey.curve)" } catch { return "\(error)" }
        }
        let p256 = P256.Signing.PrivateKey(), p384 = P384.Signing.PrivateKey(), p521 = P521.Signing.PrivateKey()
        #expect(try load(p256.pemRepresentation) == "P-256")
        #expect(try load(p384.pemRepresentation) == "P-384")
        #expect(try load(p521.pemRepresentation) == "P-521")
        // OpenSSL's `ecparam -genkey` output (SEC 1), a throwaway test key.
        let sec1 = """
        -----BEGIN EC PRIVATE KEY-----
        MIGkAgEBBDA8KXNlTbmUfdxdrqkurIuM2paYOeCEq0AF06w4hhgWCtLKv+kBkJ8V
        gaaZb8W2uyigBwYFK4EEACKhZANiAAQGY8yruXoAIXNf8mEVbnPoavjbKXfcgF2J
        wZrvxnaJmc4Hce6tPqk+7nkGmVJpI1RaupEgRqxOqyW0SB765EbSITSIqerpzu+U
        Ai/GlFkhzSiSyP59unFl1LsudeqkJVg=
        -----END EC PRIVATE KEY-----

        """
        #expect(try load(sec1) == "P-384")
        #expect(try load(Curve25519.Signing.PrivateKey().pemRepresentation).contains("an Ed25519 key"))
        #expect(try load("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n").contains("encrypted"))
        #expect(try load("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n").contains("an RSA key"))
        #expect(try load("hello").contains("not a PEM file"))
        do { _ = try SigningKey.load(dir + "/absent.pem"); Issue.record("loaded a missing key") } catch let e as SignatureError {
            #expect(e.kind == .input && e.description.contains("absent.pem"))
        }
        try TestPKI.write(p256.pemRepresentation, to: dir + "/private.pem")
        do { _ = try VerificationKey.load(dir + "/private.pem"); Issue.record("loaded a private key as public") } catch {
            #expect("\(error)".contains("holds a private key"))
        }
        try TestPKI.write(p384.publicKey.pemRepresentation, to: dir + "/pub.pem")
        #expect(try VerificationKey.load(dir + "/pub.pem") == .p384(p384.publicKey))
    }
}
