import ArgumentParser
import Foundation
import VetProvenance
import X509

/// `modelvet sign PATH --key KEY.pem`: an OpenSSF model signing signature of a model's files.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a model's files with an ECDSA key, in OpenSSF model signing's format (Sigstore bundle).",
        discussion: """
        The model is hashed as `modelvet hash` hashes it; the manifest (every file's SHA-256 and the root \
        digest) becomes an in-toto statement (predicate https://model_signing/signature/v1.0), signed in a \
        DSSE envelope inside a Sigstore bundle v0.3: the file `model_signing sign key` writes, which \
        `model_signing verify key` and `modelvet verify` accept. The key is a PEM ECDSA private key on \
        P-256, P-384 or P-521 (SEC 1 or PKCS #8, not encrypted). With --certificate the bundle carries the \
        signing certificate and the --chain certificates instead of a key hint, as `model_signing sign \
        certificate` writes it. A signature file written inside the model folder is left out of the \
        manifest. No transparency log is involved: see docs/provenance.md for what such a signature proves.

        Examples:
          openssl ecparam -name prime256v1 -genkey -noout -out key.pem
          openssl ec -in key.pem -pubout -out pub.pem
          modelvet sign ./my-model --key key.pem --output my-model.sig
          modelvet sign ./my-model --key leaf.key --certificate leaf.pem --chain intermediate.pem

        Exit codes: 0 signed; 2 usage error, an unreadable or unsupported key or certificate, a model \
        that cannot be hashed (a link, a special file), a signature that cannot be written.
        """)

    @Argument(help: "The model: a file or a folder.")
    var path: String

    @Option(name: .long, help: "The PEM ECDSA private key (P-256, P-384 or P-521).")
    var key: String

    @Option(name: .long, help: "A PEM signing certificate holding the key's public half (certificate signing).")
    var certificate: String?

    @Option(name: .long, help: "PEM certificates of the chain above --certificate, toward the root (repeatable).")
    var chain: [String] = []

    @Option(name: .shortAndLong, help: "Where to write the signature (a Sigstore bundle, JSON).")
    var output = "model.sig"

    @OptionGroup var hashing: HashingOptions

    @Option(name: .long, help: ArgumentHelp("Sign shards of this many bytes instead of whole files (model signing's 'shards' method).", valueName: "bytes"))
    var shardSize: Int?

    @Option(name: .shortAndLong, help: "The summary on standard output: text or json.")
    var format: HashCommand.Format = .text

    func validate() throws {
        if let shardSize, shardSize < 1 { throw ValidationError("--shard-size must be at least 1 byte") }
        if !chain.isEmpty && certificate == nil { throw ValidationError("--chain needs --certificate (the signing certificate)") }
    }

    func run() throws {
        let signingKey: SigningKey
        var certificates: [Certificate] = []
        do {
            signingKey = try SigningKey.load(key)
            if let certificate { certificates = try ([certificate] + chain).flatMap(ModelSignature.certificates) }
        } catch let error as SignatureError {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        let inside = SignatureFiles.relative(output, to: path)
        let manifest = try hashing.manifest(path, also: inside.map { [$0] } ?? [], shardSize: shardSize, label: "sign")
        let bundle: SigstoreBundle
        do { bundle = try ModelSignature.sign(manifest, key: signingKey, certificates: certificates) } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        try Terminal.emit(String(decoding: try bundle.json(), as: UTF8.self) + "\n", to: output)
        let signer = certificates.first.map { "certificate '\($0.subject)'" } ?? "\(signingKey.publicKey.curve) key \(signingKey.publicKey.hint)"
        let summary = SignatureFiles.Summary(
            schema: "modelvet-signing/1", model: path, modelName: manifest.modelName, signature: output, signer: signer,
            rootDigest: manifest.rootDigest, files: manifest.resources.count, bytes: manifest.totalBytes)
        try WeightReading.emit(format == .json ? { try SignatureFiles.json(summary) } : {
            "signed \(manifest.resources.count) files (\(manifest.totalBytes) bytes) of '\(manifest.modelName)' with \(signer)\n"
                + "root digest \(manifest.rootDigest)\nsignature written to \(output)\n"
        }, to: nil)
    }
}

/// `modelvet verify PATH --signature model.sig`: checks a model against its model signing signature.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a model's files against an OpenSSF model signing signature (key or certificate).",
        discussion: """
        The bundle must be authentic: signed by the --public-key given (its key hint must match when the \
        bundle carries one), or by a certificate that chains to one of the --certificate-chain roots at the \
        time it was issued and may sign (key usage digitalSignature or extended key usage codeSigning). \
        The signed statement must be model signing's (predicate v1.0, files serialization, sha256), its \
        root digest must match its files, and no file name may leave the folder. Then the folder is \
        hashed, leaving out git's files, the signature file itself, --ignore paths and the signer's own \
        ignore list, and must hold exactly the signed files: a changed, missing or added file fails, and \
        each one is named. Files the signer's ignore list leaves out are listed as not covered.

        Signatures written by `model_signing sign key` and `model_signing sign certificate` verify here, \
        and modelvet's verify there. Sigstore keyless signatures (Fulcio certificates, Rekor entries) \
        need Sigstore's online trust root and are refused with that reason.

        Examples:
          modelvet verify ./my-model --signature my-model.sig --public-key pub.pem
          modelvet verify ./my-model --signature model.sig --certificate-chain root-ca.pem --format json

        Exit codes: 0 verified; 1 verification failed (altered, missing or added files, another key, an \
        untrusted certificate, a malformed or unsupported bundle); 2 usage error, a model path, key or \
        signature file that cannot be read, an unsupported key type.
        """)

    @Argument(help: "The model: a file or a folder.")
    var path: String

    @Option(name: .long, help: "The signature: a Sigstore bundle from `modelvet sign` or `model_signing sign`.")
    var signature: String

    @Option(name: .long, help: "The PEM public key paired with the signing key.")
    var publicKey: String?

    @Option(name: .long, help: "PEM root certificates to trust, for certificate signatures (repeatable).")
    var certificateChain: [String] = []

    @OptionGroup var hashing: HashingOptions

    @Option(name: .shortAndLong, help: "Output: text or json (schema modelvet-verification/1).")
    var format: HashCommand.Format = .text

    func validate() throws {
        if (publicKey == nil) == certificateChain.isEmpty {
            throw ValidationError("give either --public-key (key signatures) or --certificate-chain (certificate signatures)")
        }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: path) else {
            Terminal.error("\(path): no such file or folder")
            throw ExitCode(2)
        }
        try finish(try SignatureFiles.verify(path, signature: signature, publicKey: publicKey, certificateChain: certificateChain, hashing: hashing))
    }

    func finish(_ report: SignatureFiles.Verification) throws {
        try WeightReading.emit(format == .json ? { try SignatureFiles.json(report) } : { report.text }, to: nil)
        if !report.verified {
            Terminal.error("verification of \(path) against \(signature) failed" + (report.error.map { ": \($0)" } ?? ""))
            throw ExitCode(1)
        }
    }
}

/// The signature file's place relative to the model, the check `verify` and `vet` share, and the summaries.
enum SignatureFiles {
    /// `check` with the trust `--public-key` or `--certificate-chain` names, for `verify` and `vet`: a key,
    /// certificate or signature file that cannot be read is printed and thrown as exit code 2.
    static func verify(_ path: String, signature: String, publicKey: String?, certificateChain: [String], hashing: HashingOptions,
                       hashed: ModelManifest? = nil) throws -> Verification {
        do {
            return try check(path, signature: signature, trust: try trust(publicKey: publicKey, certificateChain: certificateChain),
                             hashing: hashing, hashed: hashed)
        } catch let error as SignatureError {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
    }

    /// The trust `--public-key` or `--certificate-chain` names.
    static func trust(publicKey: String?, certificateChain: [String]) throws -> ModelSignature.Trust {
        if let publicKey { return .key(try VerificationKey.load(publicKey)) }
        return .roots(try certificateChain.flatMap(ModelSignature.certificates))
    }

    /// Checks the model at `path` against the bundle at `signature`. A bundle or folder that fails is a
    /// report with `verified` false and the reason; only a signature file that cannot be read throws.
    /// - Parameter hashed: the `files` manifest of `path` already made with `hashing`'s ignore rules, when
    ///   the caller has one (`vet`): a `files` signature is then checked against it instead of hashing again.
    static func check(_ path: String, signature: String, trust: ModelSignature.Trust, hashing: HashingOptions,
                      hashed: ModelManifest? = nil) throws(SignatureError) -> Verification {
        var report = Verification(model: path, signature: signature)
        let signed: ModelSignature.Signed
        do {
            signed = try ModelSignature.open(try SigstoreBundle.read(signature), trust: trust, file: signature)
        } catch let error as SignatureError {
            if error.kind == .input { throw error }
            report.error = error.description
            return report
        } catch {
            report.error = "\(error)"
            return report
        }
        report.signer = signed.signer
        report.rootDigest = signed.rootDigest
        report.signedFiles = signed.resources.count
        report.shardSize = signed.shardSize
        report.unhonouredIgnores = signed.unhonouredIgnorePaths
        let own = relative(signature, to: path).map { [$0] } ?? []
        let progress = ProbeProgress(enabled: !hashing.quiet && Terminal.isInteractive(2), label: "verify")
        defer { progress.finish() }
        do {
            let reusable = signed.shardSize == nil ? hashed : nil
            let actual = try reusable?.leavingOut(own + signed.ignorePaths)
                ?? ModelHasher.manifest(path, ignore: hashing.ignore + own + signed.ignorePaths, ignoreGit: !hashing.includeGit,
                                        threads: hashing.threads, shardSize: signed.shardSize) { done, total in
                    progress.update(done >> 20, max(1, total >> 20), "MiB")
                }
            report.differences = ModelSignature.compare(signed, actual)
            if !signed.ignorePaths.isEmpty {
                let listed = Set(actual.resources.map(\.name))
                let present = try reusable.map { $0.leavingOut(own).resources.map(\.name) }
                    ?? ModelHasher.names(path, ignore: hashing.ignore + own, ignoreGit: !hashing.includeGit)
                report.notCovered = present.filter { !listed.contains($0) }
            }
        } catch {
            report.error = "\(error)"
        }
        report.verified = report.differences.isEmpty && report.error == nil
        return report
    }

    /// `file`'s path relative to the folder `model` when it lies inside it (links resolved), else nil.
    static func relative(_ file: String, to model: String) -> String? {
        let folder = URL(fileURLWithPath: model).standardizedFileURL.resolvingSymlinksInPath().path
        let target = URL(fileURLWithPath: file).standardizedFileURL
        let parent = target.deletingLastPathComponent().resolvingSymlinksInPath().path
        let full = (parent == "/" ? "" : parent) + "/" + target.lastPathComponent
        guard full.hasPrefix(folder + "/") else { return nil }
        return String(full.dropFirst(folder.count + 1))
    }

    struct Summary: Encodable {
        var schema: String, model: String, modelName: String, signature: String, signer: String, rootDigest: String
        var files: Int, bytes: Int
        enum CodingKeys: String, CodingKey {
            case schema, model, signature, signer, files, bytes
            case modelName = "model_name", rootDigest = "root_digest"
        }
    }

    struct Verification: Encodable {
        var schema = "modelvet-verification/1"
        var model: String
        var signature: String
        var verified = false
        var signer: String?
        var rootDigest: String?
        var signedFiles: Int?
        var shardSize: Int?
        var differences: [ModelSignature.Difference] = []
        var notCovered: [String] = []
        var unhonouredIgnores: [String] = []
        var error: String?

        enum CodingKeys: String, CodingKey {
            case schema, model, signature, verified, signer, differences, error
            case rootDigest = "root_digest", signedFiles = "signed_files", notCovered = "not_covered", shardSize = "shard_size"
            case unhonouredIgnores = "unhonoured_ignore_paths"
        }

        var text: String {
            var out = verified ? "VERIFIED" : "FAILED"
            out += " \(model) against \(signature)\n"
            if let error { out += "  \(error)\n" }
            if let signer { out += "  signed by \(signer)\n" }
            if let rootDigest, let signedFiles {
                out += "  \(signedFiles) signed \(shardSize.map { "shards of up to \($0) bytes" } ?? "files"), root digest \(rootDigest)\n"
            }
            for d in differences {
                switch d.kind {
                case .changed: out += "  changed: \(d.name) (its SHA-256 differs from the signed one)\n"
                case .missing: out += "  missing: \(d.name) (signed, not in the folder)\n"
                case .added: out += "  added:   \(d.name) (in the folder, not signed)\n"
                }
            }
            if !unhonouredIgnores.isEmpty {
                out += "  signed ignore paths not honoured (the folder itself or outside it): " + unhonouredIgnores.joined(separator: ", ") + "\n"
            }
            if !notCovered.isEmpty {
                out += "  not covered by the signature (the signer's ignore list): " + notCovered.joined(separator: ", ") + "\n"
            }
            return out
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
