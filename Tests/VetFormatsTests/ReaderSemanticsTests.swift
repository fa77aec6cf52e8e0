import Foundation
import Testing
import VetBytes
import VetCore
import VetFixtures
import VetFormats

/// The readers added or changed to read files as their loaders do (issue 8): JSON dialects, YAML,
/// text codecs, tar sparse maps, `str.format` fields, the pickle probe.
@Suite("Reader semantics")
struct ReaderSemanticsTests {
    @Test("JSON: Python's dialect accepts NaN and ±Infinity, the strict one (serde's) does not")
    func jsonDialects() throws {
        let text = #"{"a": NaN, "b": Infinity, "c": -Infinity, "d": -1}"#
        let value = try JSONParser.parse(text, dialect: .python)
        #expect(value["a"] == .number(JSONNumber(text: "NaN")) && value["c"] == .number(JSONNumber(text: "-Infinity")))
        #expect(value["d"] == .number(JSONNumber(text: "-1")))
        #expect(throws: JSONError.self) { try JSONParser.parse(text, dialect: .strict) }
        #expect(throws: JSONError.self) { try JSONParser.parse(#"{"a": 1,}"#, dialect: .python) }
    }

    @Test("JSON: duplicate keys are kept in order and a lookup reads the last, as Python does")
    func jsonDuplicates() throws {
        let value = try JSONParser.parse(#"{"k": 1, "k": 2}"#)
        #expect(value.members?.map(\.key) == ["k", "k"])
        #expect(value["k"]?.int == 2)
    }

    @Test("JSON: nesting up to the limit parses on a small stack; one level more is a depth error")
    func jsonDepth() async throws {
        let depth = 10_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        // Swift concurrency's threads have small stacks: the parser must not recurse per level.
        let parsed = await Task.detached { (try? JSONParser.parse(text, maxDepth: depth)) != nil }.value
        #expect(parsed)
        do {
            _ = try JSONParser.parse("[" + text + "]", maxDepth: depth)
            Issue.record("parsed past the limit")
        } catch {
            #expect(error.tooDeep)
        }
    }

    @Test("YAML: documents become JSON-shaped trees; aliases are followed within a node budget")
    func yaml() throws {
        let documents = try YAMLConfig.parse("a: &x [1, 2]\nb: *x\n---\nc: text\n", maxDepth: 100)
        #expect(documents.count == 2)
        #expect(documents[0]["b"]?.array?.count == 2 && documents[1]["c"]?.string == "text")
        var laughs = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { laughs += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        do {
            _ = try YAMLConfig.parse(laughs, maxDepth: 100)
            Issue.record("a billion laughs was expanded")
        } catch {
            #expect(error.overLimit)
        }
        #expect(YAMLConfig.nestingBound("a:\n  b:\n    c: [[[1]]]\n") == 6)
        // A syntax error is an error, in the first document or after a good one; never an empty or short result.
        for broken in ["license: [unclosed", "a: 1\n---\nb: [unclosed\n", "key: \"open\n"] {
            do {
                let parsed = try YAMLConfig.parse(broken, maxDepth: 100)
                Issue.record("\(broken.debugDescription) parsed as \(parsed)")
            } catch {
                #expect(!error.overLimit)
            }
        }
    }

    @Test("base64 and hex decode as Python's b64decode and bytes.fromhex read them")
    func textCodecs() {
        #expect(Base64.decode(Array("gAQ=".utf8)) == [0x80, 0x04])
        #expect(Base64.decode(Array("gAQ\n".utf8)) == [0x80, 0x04])
        #expect(Base64.decode(Array("gA-_".utf8)) == [0x80, 0x0F, 0xBF])
        #expect(Base64.decode(Array("g".utf8)) == nil && Base64.decode(Array("ab!c".utf8)) == nil)
        #expect(Base64.encode([0x80, 0x04, 0x95]) == "gASV" && Base64.encode([1]) == "AQ==")
        #expect(Hex.decode(Array("80 04".utf8)) == [0x80, 0x04] && Hex.decode(Array("8".utf8)) == nil)
        #expect(Hex.encode([0x80, 0x0A]) == "800a")
        // The first byte alone, as the embedded-pickle look reads it before decoding everything.
        for text in ["gASVabcd", "\n g\nASV", "gA", "  80 04", "8004zz", "model.layers", "g", "8", "", "!gAS"] {
            let bytes = Array(text.utf8)
            let whole = Base64.decode(bytes)?.first
            if whole != nil { #expect(Base64.firstByte(bytes) == whole, "\(text)") }
            let hex = Hex.decode(bytes)?.first
            if hex != nil { #expect(Hex.firstByte(bytes) == hex, "\(text)") }
        }
        #expect(Base64.firstByte(Array("\n g\nASV".utf8)) == 0x80 && Hex.firstByte(Array("  80 04".utf8)) == 0x80)
        #expect(Hex.firstByte(Array("8004zz".utf8)) == 0x80 && Base64.firstByte(Array("model.layers".utf8)) == 0x9A)
        #expect(Base64.firstByte(Array("!gAS".utf8)) == nil && Base64.firstByte(Array("g".utf8)) == nil && Hex.firstByte(Array("8".utf8)) == nil)
    }

    @Test("a sparse tar member is reassembled as tarfile's extract and extractfile read it")
    func sparseMap() throws {
        let logical: [UInt8] = [1, 2, 0, 0, 3, 4]
        let archive = try TarArchive.parse(ByteSource(TarBuilder().sparseFile("x", logical: logical).bytes()), limits: ScanLimits())
        let entry = try #require(archive.entries.first)
        #expect(entry.name == "x" && entry.sparse?.realSize == 6 && entry.size == 5)
        let views = try #require(archive.sparseViews(of: entry, limit: 1 << 20))
        let first = try views[0].bytes(0..<6)
        #expect(views.count == 1 && first == logical)
        #expect(archive.anomalies.contains { $0.kind == .sparseMember })
        // Overlapping chunks: extract lets the later chunk win, extractfile reads the first.
        let overlap = TarSparseMap(format: "test", realSize: 2, chunks: [.init(offset: 0, length: 2), .init(offset: 0, length: 2)])
        let stored = ByteSource([0x41, 0x41, 0x42, 0x42])
        #expect(overlap.extractedView(stored: stored) == [0x42, 0x42])
        #expect(overlap.readView(archive: stored, dataStart: 0) == [0x41, 0x41])
        #expect(!overlap.isOrdinary)
    }

    @Test("str.format fields are parsed as Python's Formatter parses them")
    func formatFields() throws {
        let pieces = try JinjaOperations.formatPieces("a{0.__init__.__globals__[os]}b{{c}}{name!r:>4}")
        #expect(pieces == [.text("a"), .field(.init(argument: "0", accesses: [".__init__", ".__globals__", "[os]"])),
                           .text("b{c}"), .field(.init(argument: "name", accesses: []))])
        #expect(pieces.compactMap { if case let .field(f) = $0 { f.names } else { nil } }.first == ["__init__", "__globals__", "os"])
        #expect(throws: JinjaEvaluationError.self) { try JinjaOperations.format("{0.__class__}", [.string("x")], []) }
        #expect(try JinjaOperations.format("{}-{role}", [.int(1)], [("role", .string("user"))]) == .string("1-user"))
    }

    @Test("the pickle probe judges what a loader runs before its first error")
    func pickleProbe() {
        let call = PickleProbe.run(ByteSource(Array("cos\nsystem\n(S'x'\ntR.".utf8)), limits: ScanLimits())
        #expect(call.calls && call.imports && call.completesCleanly)
        // An import of a name with a space never succeeds; text that decodes as opcodes runs nothing.
        let text = PickleProbe.run(ByteSource(Array("import os\nprint(1)\n".utf8)), limits: ScanLimits())
        #expect(!text.imports && !text.calls && !text.completesCleanly)
        let cut = PickleProbe.run(ByteSource(Array("cos\nsystem\n".utf8)), limits: ScanLimits())
        #expect(cut.imports && !cut.calls && !cut.completesCleanly)
    }
}
