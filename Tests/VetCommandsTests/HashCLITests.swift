import Foundation
import Testing
import VetTestSupport

/// `modelvet hash` through the real binary: output, exit codes, errors.
@Suite("modelvet hash")
struct HashCLITests {
    @Test func manifestExitCodesAndErrors() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-hashcli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: root + "/config.json"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: root + "/sub/weights.bin"))
        try Data([9]).write(to: URL(fileURLWithPath: root + "/model.sig"))
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let json = try CLI.run(["hash", root, "--format", "json", "--ignore", "model.sig"])
        #expect(json.status == 0, "\(json.stderr)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(manifest["schema"] as? String == "modelvet-manifest/1")
        let names = (manifest["resources"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["config.json", "sub/weights.bin"])
        #expect((manifest["root_digest"] as? String)?.count == 64)
        let text = try CLI.run(["hash", root + "/sub/weights.bin"])
        #expect(text.status == 0 && text.stdout.hasPrefix("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81  ."), "\(text.stdout)")
        let outside = try CLI.run(["hash", root, "--ignore", "../x"])
        #expect(outside.status == 2 && outside.stderr.contains("inside the model folder"))
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: "/etc/hostname")
        let link = try CLI.run(["hash", root])
        #expect(link.status == 2 && link.stderr.contains("link is a symbolic link"), "\(link.stderr)")
        let missing = try CLI.run(["hash", root + "/nothing"])
        #expect(missing.status == 2 && missing.stderr.contains("No such file"))
    }
}
