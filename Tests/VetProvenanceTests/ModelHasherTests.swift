import Crypto
import Foundation
import VetBytes
import Testing
import VetTestSupport
@testable import VetProvenance

@Suite("modelvet hash: manifests as model signing serialises them")
struct ModelHasherTests {
    static func folder(_ files: [String: [UInt8]]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-hash-\(UUID().uuidString)").path
        for (name, bytes) in files {
            let path = root + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        return root
    }

    /// `sha256sum`'s digest of a file: an implementation independent of swift-crypto.
    static func sha256sum(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    @Test("a folder: every file with sha256sum's digest, git's files and --ignore paths left out, sorted by path components, root digest over the digests")
    func folderManifest() throws {
        var big = [UInt8](repeating: 0x5A, count: 40 << 20)  // more than two chunks
        for i in stride(from: 0, to: big.count, by: 4093) { big[i] = UInt8(truncatingIfNeeded: i >> 12) }
        let root = try Self.folder([
            "config.json": Array("{}".utf8), "a.txt": [1, 2, 3], "a/b": [4], "a/c/d.bin": big, "empty": [],
            ".git/HEAD": Array("ref".utf8), ".gitattributes": [9], ".github/x.yml": [9], ".gitignore": [9],
            "model.sig": [7], "sub/.git/keep": [5],
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let manifest = try ModelHasher.manifest(root, ignore: ["model.sig", "./nothing/"], threads: 2)
        // Component order: "a/b" and "a/c/d.bin" (component "a") come before "a.txt".
        #expect(manifest.resources.map(\.name) == ["a/b", "a/c/d.bin", "a.txt", "config.json", "empty", "sub/.git/keep"])
        for r in manifest.resources {
            #expect(r.digest == (try Self.sha256sum(root + "/" + r.name)), "\(r.name)")
        }
        #expect(manifest.resources.first { $0.name == "a/c/d.bin" }?.size == 40 << 20)
        #expect(manifest.resources.first { $0.name == "empty" }?.digest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var root256 = SHA256()
        for r in manifest.resources { root256.update(data: try #require(ModelManifest.strictBytes(hex: r.digest))) }
        #expect(manifest.rootDigest == Hex.encode(root256.finalize()))
        #expect(manifest.serialization.ignorePaths == [".git", ".gitattributes", ".github", ".gitignore", "model.sig", "nothing"])
        // Threads do not change the manifest; --include-git adds git's files.
        #expect(try ModelHasher.manifest(root, ignore: ["model.sig", "./nothing/"], threads: 1) == manifest)
        let withGit = try ModelHasher.manifest(root, ignoreGit: false)
        #expect(withGit.resources.map(\.name).contains(".git/HEAD") && withGit.resources.count == 11)
        // A changed byte changes its digest and the root.
        try Data([1, 2, 4]).write(to: URL(fileURLWithPath: root + "/a.txt"))
        let changed = try ModelHasher.manifest(root, ignore: ["model.sig"])
        #expect(changed.rootDigest != manifest.rootDigest)
    }

    @Test("a single file is the resource '.', and its JSON has model signing's field names")
    func singleFile() throws {
        let root = try Self.folder(["model.gguf": Array("GGUF".utf8)])
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let manifest = try ModelHasher.manifest(root + "/model.gguf")
        #expect(manifest.modelName == "model.gguf" && manifest.resources.map(\.name) == ["."])
        #expect(manifest.serialization.ignorePaths.isEmpty)
        let json = try manifest.json()
        for key in ["\"root_digest\"", "\"hash_type\" : \"sha256\"", "\"allow_symlinks\" : false", "\"method\" : \"files\"", "\"schema\" : \"modelvet-manifest/1\""] {
            #expect(json.contains(key), "\(key)")
        }
        #expect(manifest.text.hasPrefix(try Self.sha256sum(root + "/model.gguf") + "  ."))
    }

    @Test("leaving paths out of a manifest gives the manifest hashed with them ignored, root digest included")
    func leavingOut() throws {
        let root = try Self.folder(["a.txt": [1], "sub/b": [2], "sub/c/d": [3], "subway": [4], "model.sig": [5]])
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let whole = try ModelHasher.manifest(root)
        for paths in [["sub"], ["./sub/", "model.sig"], ["sub/c", "a.txt"], []] {
            #expect(whole.leavingOut(paths) == (try ModelHasher.manifest(root, ignore: paths)), "\(paths)")
        }
        #expect(whole.leavingOut(["sub"]).resources.map(\.name) == ["a.txt", "model.sig", "subway"])
    }

    @Test("shards: each file in parts named path:start:end, ordered by path then offset, empty files absent, any thread count")
    func shards() throws {
        let big = (0..<2500).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let root = try Self.folder(["big.bin": big, "a/b.txt": [1, 2, 3], "empty": [], "a.txt": [4]])
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let manifest = try ModelHasher.manifest(root, shardSize: 1000)
        #expect(manifest.resources.map(\.name) == ["a/b.txt:0:3", "a.txt:0:1", "big.bin:0:1000", "big.bin:1000:2000", "big.bin:2000:2500"])
        #expect(manifest.resources.allSatisfy { $0.algorithm == "sha256-sharded-1000" })
        #expect(manifest.serialization.method == "shards" && manifest.serialization.shardSize == 1000)
        for (resource, range) in zip(manifest.resources.suffix(3), [0..<1000, 1000..<2000, 2000..<2500]) {
            #expect(resource.digest == Hex.encode(SHA256.hash(data: Data(big[range]))) && resource.size == range.count)
        }
        #expect(try ModelHasher.manifest(root, threads: 1, shardSize: 1000) == manifest)
        let whole = try ModelHasher.manifest(root + "/big.bin", shardSize: 4096)
        #expect(whole.resources.map(\.name) == [".:0:2500"])
        #expect(throws: HashError.self) { try ModelHasher.manifest(root, shardSize: 0) }
    }

    @Test("links, special files and missing paths are errors naming the path")
    func refusals() throws {
        let root = try Self.folder(["weights.bin": [1, 2, 3]])
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        try FileManager.default.createSymbolicLink(atPath: root + "/link.bin", withDestinationPath: root + "/weights.bin")
        func message(_ path: String) -> String {
            do { _ = try ModelHasher.manifest(path); return "no error" } catch { return "\(error)" }
        }
        #expect(message(root).contains("link.bin is a symbolic link"))
        #expect(message(root + "/link.bin").contains("is a symbolic link"))
        #expect(message(root + "/missing").contains("No such file"))
        try FileManager.default.removeItem(atPath: root + "/link.bin")
        #expect(mkfifo(root + "/pipe", 0o600) == 0)
        #expect(message(root).contains("pipe is neither a regular file nor a folder"))
    }
}

/// The same folder through OpenSSF's reference implementation (`model_signing.hashing.hash`), when
/// scripts/test.sh has installed it (MODELVET_MODEL_SIGNING_PYTHON names its interpreter).
@Suite("modelvet hash against model_signing")
struct ModelSigningInteropTests {
    static let python = ProcessInfo.processInfo.environment["MODELVET_MODEL_SIGNING_PYTHON"]

    @Test("the reference lists the same files in the same order and computes the same root digest",
          .enabled(if: python != nil, "MODELVET_MODEL_SIGNING_PYTHON is not set (scripts/test.sh installs model-signing)"))
    func sameManifest() throws {
        let root = try ModelHasherTests.folder([
            "config.json": Array("{}".utf8), "a.txt": [1, 2, 3], "a/b": [4], "a-b": [6], "a/c/d.bin": [UInt8](repeating: 7, count: 3 << 20),
            "empty": [], "tökenizer.json": Array("{\"x\":1}".utf8), ".gitattributes": [9], ".git/HEAD": [9], "sub/.gitignore": [5],
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let script = """
        import hashlib, pathlib, sys
        import model_signing
        m = model_signing.hashing.hash(pathlib.Path(sys.argv[1]))
        h = hashlib.sha256()
        for d in m.resource_descriptors():
            print(d.identifier, d.digest.digest_hex)
            h.update(d.digest.digest_value)
        print("root", h.hexdigest())
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.python))
        process.arguments = ["-c", script, root]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = output.split(separator: "\n").map(String.init)
        let manifest = try ModelHasher.manifest(root)
        #expect(Array(lines.dropLast()) == manifest.resources.map { "\($0.name) \($0.digest)" })
        #expect(lines.last == "root \(manifest.rootDigest)")
    }

    @Test("the shards serialisation: the reference's shard names, digests and root digest",
          .enabled(if: python != nil, "MODELVET_MODEL_SIGNING_PYTHON is not set (scripts/test.sh installs model-signing)"))
    func sameShards() throws {
        let root = try ModelHasherTests.folder([
            "big.bin": (0..<(3 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 &* 31) }, "a/b": [4], "a.txt": [1, 2], "empty": [], "c/d.json": Array("{}".utf8),
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let script = """
        import hashlib, pathlib, sys
        from model_signing import hashing
        m = hashing.Config().use_shard_serialization(shard_size=1 << 20).hash(pathlib.Path(sys.argv[1]))
        h = hashlib.sha256()
        for d in m.resource_descriptors():
            print(d.identifier, d.digest.algorithm, d.digest.digest_hex)
            h.update(d.digest.digest_value)
        print("root", h.hexdigest())
        """
        let run = try CLI.process(URL(fileURLWithPath: try #require(Self.python)), ["-c", script, root])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let manifest = try ModelHasher.manifest(root, shardSize: 1 << 20)
        #expect(Array(lines.dropLast()) == manifest.resources.map { "\($0.name) \($0.algorithm) \($0.digest)" })
        #expect(lines.last == "root \(manifest.rootDigest)")
        #expect(manifest.resources.count == 7)
    }
}
