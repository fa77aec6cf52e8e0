import Crypto
import Foundation
import Testing
import VetTestSupport
import X509

/// A model folder, keys and certificates for the signing commands, in a temporary folder.
struct SigningFixture {
    let dir: String
    var model: String { dir + "/model" }
    let key: P256.Signing.PrivateKey

    init(p384: Bool = false) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-sign-\(UUID().uuidString)").path
        key = P256.Signing.PrivateKey()
        try TestPKI.write("{\"model_type\": \"llama\"}", to: dir + "/model/config.json")
        try TestPKI.write("weights", to: dir + "/model/model.safetensors")
        try TestPKI.write("# Card\n", to: dir + "/model/docs/README.md")
        try TestPKI.write("ref: refs/heads/main\n", to: dir + "/model/.git/HEAD")
        try TestPKI.write(key.pemRepresentation, to: dir + "/key.pem")
        try TestPKI.write(key.publicKey.pemRepresentation + "\n", to: dir + "/pub.pem")
        let p384Key = P384.Signing.PrivateKey()
        try TestPKI.write(p384Key.pemRepresentation, to: dir + "/key384.pem")
        try TestPKI.write(p384Key.publicKey.pemRepresentation + "\n", to: dir + "/pub384.pem")
        try TestPKI.write(P256.Signing.PrivateKey().publicKey.pemRepresentation + "\n", to: dir + "/other.pem")
        // A root, an intermediate, and a code-signing leaf for `key`.
        let ca = try TestPKI.root()
        let intermediateKey = P256.Signing.PrivateKey()
        let intermediate = try TestPKI.issue("Intermediate", publicKey: .init(intermediateKey.publicKey), by: ca, authority: true)
        let leaf = try TestPKI.issue("Model Publisher", publicKey: .init(key.publicKey),
                                     by: TestPKI.Authority(key: intermediateKey, certificate: intermediate))
        try TestPKI.write(try TestPKI.pem(ca.certificate), to: dir + "/root.pem")
        try TestPKI.write(try TestPKI.pem(intermediate), to: dir + "/intermediate.pem")
        try TestPKI.write(try TestPKI.pem(leaf), to: dir + "/leaf.pem")
        try TestPKI.write(try TestPKI.pem(try TestPKI.root("Other Root").certificate), to: dir + "/other-root.pem")
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture

    func write(_ text: String, _ name: String) throws { try TestPKI.write(text, to: model + "/" + name) }
}

@Suite("modelvet sign / verify")
struct SignCLITests {
    @Test("sign then verify; tampering, adding, removing a file each fail with exit 1 naming it; JSON report")
    func roundTrip() throws {
        let f = try SigningFixture()
        defer { f.remove() }
        let sign = try CLI.run(["sign", f.model, "--key", f.dir + "/key.pem", "--output", f.dir + "/model.sig"])
        #expect(sign.status == 0 && sign.stdout.contains("signed 3 files"), "\(sign.stderr)")
        let ok = try CLI.run(["verify", f.model, "--signature", f.dir + "/model.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(ok.status == 0 && ok.stdout.hasPrefix("VERIFIED"), "\(ok.stdout)\(ok.stderr)")
        // .git is left out on both sides by default; a change there does not matter.
        try f.write("ref: refs/heads/other\n", ".git/HEAD")
        #expect(try CLI.run(["verify", f.model, "--signature", f.dir + "/model.sig", "--public-key", f.dir + "/pub.pem"]).status == 0)

        try f.write("weightz", "model.safetensors")
        let changed = try CLI.run(["verify", f.model, "--signature", f.dir + "/model.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(changed.status == 1 && changed.stdout.contains("changed: model.safetensors"), "\(changed.stdout)")
        #expect(changed.stderr.contains("verification of \(f.model)"))
        try f.write("weights", "model.safetensors")
        try f.write("print('hi')", "extra.py")
        let added = try CLI.run(["verify", f.model, "--signature", f.dir + "/model.sig", "--public-key", f.dir + "/pub.pem", "--format", "json"])
        #expect(added.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])
        #expect(report["schema"] as? String == "modelvet-verification/1" && report["verified"] as? Bool == false)
        #expect((report["differences"] as? [[String: String]]) == [["kind": "added", "name": "extra.py"]])
        // --ignore on the verifying side excuses it.
        #expect(try CLI.run(["verify", f.model, "--signature", f.dir + "/model.sig", "--public-key", f.dir + "/pub.pem", "--ignore", "extra.py"]).status == 0)
        try FileManager.default.removeItem(atPath: f.model + "/extra.py")
        try FileManager.default.removeItem(atPath: f.model + "/docs/README.md")
        let missing = try CLI.run(["verify", f.model, "--signature", f.dir + "/model.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(missing.status == 1 && missing.stdout.contains("missing: docs/README.md"))
        let wrongKey = try CLI.run(["verify", f.model, "--signature", f.dir + "/model.sig", "--public-key", f.dir + "/other.pem"])
        #expect(wrongKey.status == 1 && wrongKey.stdout.contains("signed by another key"))
    }

    @Test("a signature written inside the folder is left out of what it signs; certificate signing and verification")
    func insideAndCertificates() throws {
        let f = try SigningFixture()
        defer { f.remove() }
        let sign = try CLI.run(["sign", f.model, "--key", f.dir + "/key.pem", "--certificate", f.dir + "/leaf.pem",
                                "--chain", f.dir + "/intermediate.pem", "--output", f.model + "/model.sig", "--format", "json"])
        #expect(sign.status == 0, "\(sign.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(sign.stdout.utf8)) as? [String: Any])
        #expect(summary["files"] as? Int == 3 && (summary["signer"] as? String)?.contains("Model Publisher") == true)
        let ok = try CLI.run(["verify", f.model, "--signature", f.model + "/model.sig", "--certificate-chain", f.dir + "/root.pem"])
        #expect(ok.status == 0, "\(ok.stdout)")
        let untrusted = try CLI.run(["verify", f.model, "--signature", f.model + "/model.sig", "--certificate-chain", f.dir + "/other-root.pem"])
        #expect(untrusted.status == 1 && untrusted.stdout.contains("does not chain"))
        let mismatch = try CLI.run(["sign", f.model, "--key", f.dir + "/key384.pem", "--certificate", f.dir + "/leaf.pem"])
        #expect(mismatch.status == 2 && mismatch.stderr.contains("holds another key"))
    }

    @Test("bad input: missing key, wrong key type, unreadable folder, a link leaving the folder, malformed bundle, no trust given")
    func badInput() throws {
        let f = try SigningFixture()
        defer { f.remove() }
        let noKey = try CLI.run(["sign", f.model, "--key", f.dir + "/absent.pem", "--output", f.dir + "/s.sig"])
        #expect(noKey.status == 2 && noKey.stderr.contains("absent.pem: the private key cannot be read"))
        try TestPKI.write(Curve25519.Signing.PrivateKey().pemRepresentation, to: f.dir + "/ed.pem")
        let ed = try CLI.run(["sign", f.model, "--key", f.dir + "/ed.pem", "--output", f.dir + "/s.sig"])
        #expect(ed.status == 2 && ed.stderr.contains("an Ed25519 key"))
        let pubAsKey = try CLI.run(["sign", f.model, "--key", f.dir + "/pub.pem", "--output", f.dir + "/s.sig"])
        #expect(pubAsKey.status == 2 && pubAsKey.stderr.contains("pub.pem"))
        let noModel = try CLI.run(["verify", f.dir + "/nothing", "--signature", f.dir + "/s.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(noModel.status == 2 && noModel.stderr.contains("no such file or folder"))
        let noTrust = try CLI.run(["verify", f.model, "--signature", f.dir + "/s.sig"])
        #expect(noTrust.status == 2 && noTrust.stderr.contains("--public-key"))
        #expect(try CLI.run(["sign", f.model, "--key", f.dir + "/key.pem", "--output", f.dir + "/s.sig"]).status == 0)
        let noSig = try CLI.run(["verify", f.model, "--signature", f.dir + "/absent.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(noSig.status == 2 && noSig.stderr.contains("absent.sig: the signature cannot be read"))
        try TestPKI.write("{\"mediaType\": 3}", to: f.dir + "/bad.sig")
        let bad = try CLI.run(["verify", f.model, "--signature", f.dir + "/bad.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(bad.status == 1 && bad.stdout.contains("bad.sig is not a Sigstore bundle"), "\(bad.stdout)")
        // A link out of the folder: signing refuses it, verifying fails on it.
        try FileManager.default.createSymbolicLink(atPath: f.model + "/escape", withDestinationPath: "/etc/hostname")
        let linkSign = try CLI.run(["sign", f.model, "--key", f.dir + "/key.pem", "--output", f.dir + "/t.sig"])
        #expect(linkSign.status == 2 && linkSign.stderr.contains("escape is a symbolic link"))
        let linkVerify = try CLI.run(["verify", f.model, "--signature", f.dir + "/s.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(linkVerify.status == 1 && linkVerify.stderr.contains("escape is a symbolic link"))
        try FileManager.default.removeItem(atPath: f.model + "/escape")
        // An unreadable folder (root reads everything, so only checked when not root).
        if getuid() != 0 {
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: f.model + "/docs")
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: f.model + "/docs") }  // restores the fixture for its clean-up
            let unreadable = try CLI.run(["sign", f.model, "--key", f.dir + "/key.pem", "--output", f.dir + "/t.sig"])
            #expect(unreadable.status == 2 && unreadable.stderr.contains("cannot be listed"))
        }
    }
}

/// Signatures exchanged with OpenSSF's reference CLI (`model_signing`, installed by scripts/test.sh in a
/// virtual environment; MODELVET_MODEL_SIGNING_PYTHON names its interpreter, the CLI is beside it).
@Suite("modelvet sign / verify against model_signing")
struct ModelSigningCLIInteropTests {
    static let python = ProcessInfo.processInfo.environment["MODELVET_MODEL_SIGNING_PYTHON"]

    static func reference(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let bin = URL(fileURLWithPath: try #require(python)).deletingLastPathComponent()
        let run = try CLI.process(bin.appendingPathComponent("model_signing"), arguments)
        return (run.status, run.stdout + run.stderr)
    }

    /// Both verifiers on both signatures: all four accept, or all four refuse.
    static func verdicts(_ f: SigningFixture, key: String = "pub.pem") throws -> [String: Bool] {
        var out: [String: Bool] = [:]
        for sig in ["mv.sig", "ref.sig"] {
            out["modelvet/" + sig] = try CLI.run(["verify", f.model, "--signature", f.dir + "/" + sig, "--public-key", f.dir + "/" + key]).status == 0
            out["model_signing/" + sig] = try reference(["verify", "key", f.model, "--signature", f.dir + "/" + sig, "--public_key", f.dir + "/" + key]).status == 0
        }
        return out
    }

    @Test("key signatures both ways (P-256 and P-384); after a changed byte, an added file or a removed one, both tools refuse both",
          .enabled(if: python != nil, "MODELVET_MODEL_SIGNING_PYTHON is not set (scripts/test.sh installs model-signing)"))
    func keys() throws {
        let f = try SigningFixture()
        defer { f.remove() }
        for (key, pub) in [("key.pem", "pub.pem"), ("key384.pem", "pub384.pem")] {
            #expect(try CLI.run(["sign", f.model, "--key", f.dir + "/" + key, "--output", f.dir + "/mv.sig"]).status == 0)
            let signed = try Self.reference(["sign", "key", f.model, "--private_key", f.dir + "/" + key, "--signature", f.dir + "/ref.sig"])
            #expect(signed.status == 0, "\(signed.output)")
            let verdicts = try Self.verdicts(f, key: pub)
            #expect(verdicts.values.allSatisfy { $0 }, "\(verdicts)")
        }
        try f.write("weightz", "model.safetensors")
        #expect(try Self.verdicts(f, key: "pub384.pem").values.allSatisfy { !$0 })
        try f.write("weights", "model.safetensors")
        try f.write("x", "docs/added.txt")
        #expect(try Self.verdicts(f, key: "pub384.pem").values.allSatisfy { !$0 })
        try FileManager.default.removeItem(atPath: f.model + "/docs/added.txt")
        try FileManager.default.removeItem(atPath: f.model + "/config.json")
        #expect(try Self.verdicts(f, key: "pub384.pem").values.allSatisfy { !$0 })
        #expect(try Self.verdicts(f, key: "other.pem").values.allSatisfy { !$0 })
    }

    @Test("shard signatures both ways through model_signing's Python API (its CLI signs and verifies files only); a changed byte is named by shard",
          .enabled(if: python != nil, "MODELVET_MODEL_SIGNING_PYTHON is not set (scripts/test.sh installs model-signing)"))
    func shards() throws {
        let f = try SigningFixture()
        defer { f.remove() }
        try f.write(String(repeating: "0123456789", count: 250), "big.bin")
        let api = """
        import sys
        from model_signing import hashing, signing, verifying
        action, model, sig, key = sys.argv[1:5]
        if action == "sign":
            signing.Config().use_elliptic_key_signer(private_key=key).set_hashing_config(
                hashing.Config().use_shard_serialization(shard_size=1000)).sign(model, sig)
        else:
            verifying.Config().use_elliptic_key_verifier(public_key=key).verify(model, sig)
        print("ok")
        """
        let python = URL(fileURLWithPath: try #require(Self.python))
        let theirs = try CLI.process(python, ["-c", api, "sign", f.model, f.dir + "/ref.sig", f.dir + "/key.pem"])
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let ours = try CLI.run(["verify", f.model, "--signature", f.dir + "/ref.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(ours.status == 0 && ours.stdout.contains("signed shards of up to 1000 bytes"), "\(ours.stdout)")
        #expect(try CLI.run(["sign", f.model, "--key", f.dir + "/key.pem", "--shard-size", "1000", "--output", f.dir + "/mv.sig"]).status == 0)
        let accepted = try CLI.process(python, ["-c", api, "verify", f.model, f.dir + "/mv.sig", f.dir + "/pub.pem"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        try f.write(String(repeating: "0123456789", count: 150) + "X" + String(repeating: "0123456789", count: 100).dropFirst(), "big.bin")
        let changed = try CLI.run(["verify", f.model, "--signature", f.dir + "/mv.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(changed.status == 1 && changed.stdout.contains("changed: big.bin:1000:2000") && !changed.stdout.contains("big.bin:0:1000"), "\(changed.stdout)")
        #expect(try CLI.process(python, ["-c", api, "verify", f.model, f.dir + "/mv.sig", f.dir + "/pub.pem"]).status != 0)
    }

    @Test("certificate signatures both ways, each checked against the other tool's trust in the same root",
          .enabled(if: python != nil, "MODELVET_MODEL_SIGNING_PYTHON is not set (scripts/test.sh installs model-signing)"))
    func certificates() throws {
        let f = try SigningFixture()
        defer { f.remove() }
        #expect(try CLI.run(["sign", f.model, "--key", f.dir + "/key.pem", "--certificate", f.dir + "/leaf.pem",
                             "--chain", f.dir + "/intermediate.pem", "--output", f.dir + "/mv.sig"]).status == 0)
        let signed = try Self.reference(["sign", "certificate", f.model, "--private_key", f.dir + "/key.pem", "--signing_certificate", f.dir + "/leaf.pem",
                                         "--certificate_chain", f.dir + "/intermediate.pem", "--signature", f.dir + "/ref.sig"])
        #expect(signed.status == 0, "\(signed.output)")
        for sig in ["mv.sig", "ref.sig"] {
            let ours = try CLI.run(["verify", f.model, "--signature", f.dir + "/" + sig, "--certificate-chain", f.dir + "/root.pem"])
            #expect(ours.status == 0, "\(sig): \(ours.stdout)")
            let theirs = try Self.reference(["verify", "certificate", f.model, "--signature", f.dir + "/" + sig, "--certificate_chain", f.dir + "/root.pem"])
            #expect(theirs.status == 0, "\(sig): \(theirs.output)")
            let untrusted = try CLI.run(["verify", f.model, "--signature", f.dir + "/" + sig, "--certificate-chain", f.dir + "/other-root.pem"])
            #expect(untrusted.status == 1)
        }
    }
}
