import VetFixtures
import Testing
import VetBytes
import VetCore
import VetFormats

/// One positive and one negative case (at least) for every `ZipAnomalyKind`.
@Suite("Zip anomalies")
struct ZipAnomalyTests {
    let pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E]

    func torch(_ configure: (inout ZipBuilder.Member) -> Void = { _ in }) -> ZipBuilder {
        ZipBuilder().stored("archive/data.pkl", pickle, configure).stored("archive/version", text: "3\n")
    }

    func parse(_ builder: ZipBuilder, limits: ScanLimits = ScanLimits()) throws -> ZipArchive {
        try ArchiveFixtures.zip(builder.bytes(), limits: limits)
    }

    @Test("a clean archive has no anomalies of any kind")
    func clean() throws {
        #expect(try parse(torch()).anomalies.isEmpty)
        #expect(try parse(torch { $0.dataDescriptor = true; $0.flags = 0x0800 }).anomalies.isEmpty)
    }

    @Test("nameMismatch: local name, method, CRC, sizes, data descriptor")
    func nameMismatch() throws {
        let renamed = try parse(torch { $0.localName = Array("archive/evil.pkl".utf8) })
        #expect(renamed.kinds == [.nameMismatch])
        #expect(renamed.anomalies[0].entryName == "archive/data.pkl")
        #expect(renamed.entries[0].localName == "archive/evil.pkl")
        #expect(try parse(torch { $0.localCRC32 = 1 }).kinds == [.nameMismatch])
        #expect(try parse(torch { $0.localUncompressedSize = 99 }).kinds == [.nameMismatch])
        #expect(try parse(torch { $0.localFlags = 0x0800 }).kinds == [.nameMismatch])
        let descriptor = try parse(torch { $0.dataDescriptor = true; $0.crc32 = 5 })
        #expect(descriptor.kinds.contains(.nameMismatch) == false)
        #expect(try parse(torch { $0.dataDescriptor = true }).kinds.isEmpty)
    }

    @Test("unusualFlags: reserved bits and impossible versions")
    func unusualFlags() throws {
        #expect(try parse(torch { $0.flags = 0x2000 }).kinds == [.unusualFlags])
        #expect(try parse(torch { $0.flags = 0x0010; $0.localFlags = 0x0010 }).kinds == [.unusualFlags])
        #expect(try parse(torch { $0.versionNeeded = 99 }).kinds == [.unusualFlags])
        #expect(try parse(torch { $0.flags = 0x0806 }).kinds.isEmpty)
        #expect(try parse(torch { $0.versionNeeded = 0 }).kinds.isEmpty)
    }

    @Test("encrypted: traditional, strong and AES")
    func encrypted() throws {
        #expect(try parse(torch { $0.flags = 0x0001 }).kinds == [.encrypted])
        #expect(try parse(torch { $0.flags = 0x0041 }).kinds == [.encrypted])
        let aes: [UInt8] = [0x01, 0x99, 7, 0, 2, 0, 0x41, 0x45, 3, 8, 0]
        let withAES = try parse(torch { $0.method = 99; $0.centralExtra = aes; $0.localExtra = aes })
        #expect(withAES.kinds == [.encrypted])
        #expect(withAES.entries[0].hasAESExtra)
        #expect(try parse(torch()).kinds.isEmpty)
    }

    @Test("duplicateName: exact, case-only and NUL-cut, with each reader's pick")
    func duplicateName() throws {
        let twice = try parse(torch().stored("archive/data.pkl", Array("second".utf8)))
        #expect(twice.kinds == [.duplicateName])
        let message = twice.anomalies[0].message
        #expect(message.contains("opens the last (#2)") && message.contains("miniz"))
        #expect(try parse(torch().stored("archive/DATA.pkl", pickle)).kinds == [.duplicateName])
        let nul = try parse(torch().stored("x", pickle) { $0.name = Array("archive/data.pkl\0.txt".utf8) })
        #expect(nul.kinds == [.duplicateName, .pathTraversal])
        #expect(try parse(torch().stored("archive/data.pkl2", pickle)).kinds.isEmpty)
    }

    @Test("miniz's pick among duplicates matches torch 1.13's PyTorchFileReader")
    func minizPick() throws {
        // Vectors recorded by opening Python-written archives with torch._C.PyTorchFileReader and
        // reading "data.pkl"; 300 random cases matched, these are a sample.
        let cases: [([String], Int)] = [
            (["version", "data/1", "data.pkl", "version", "data/0", "data.pkl", "data/0", "Data.pkl"], 2),
            (["version", "data/1", "zz", "data.pkl", "data/1", "data.pkl", "data/0", "zz", "data.pkl", "data/1",
              "data/0"], 8),
            (["version", "b", "Data.pkl", "data/0", "data.pkl", "data/0", "version", "b", "data.pkl", "data.pkl",
              "data.pkl", "Data.pkl"], 2),
            (["version", "data.pkl", "data.pkl", "data.pkl", "zz"], 3),
            (["version", "data.pkl", "data.pkl", "zz", "data.pkl"], 1),
            (["version", "data.pkl", "Data.pkl", "version", "data.pkl", "Data.pkl", "data/1"], 4),
        ]
        for (names, expected) in cases {
            var builder = ZipBuilder()
            for (index, name) in names.enumerated() { builder = builder.stored("archive/" + name, text: "#\(index)") }
            let archive = try parse(builder)
            #expect(archive.entryAsPyTorchReads("archive/data.pkl")?.index == expected, "\(names)")
        }
    }

    @Test("pathTraversal: dot-dot, absolute, drive letters, backslashes, NUL")
    func pathTraversal() throws {
        for name in ["../evil.pkl", "a/../../b", "/etc/passwd", "C:/x", "a\\b", "..\\x", "\\\\server\\share"] {
            #expect(try parse(ZipBuilder().stored(name, text: "x")).kinds == [.pathTraversal], "\(name)")
        }
        #expect(try parse(ZipBuilder().stored("ok", text: "x") { $0.localName = Array("../x".utf8) })
            .kinds == [.pathTraversal, .nameMismatch])
        for name in ["a/b..c/d", "..a/b", "a/.../b", "./a"] {
            #expect(try parse(ZipBuilder().stored(name, text: "x")).kinds.isEmpty, "\(name)")
        }
    }

    @Test("symlink: Unix link members, with their target")
    func symlink() throws {
        let link = try parse(ZipBuilder().symlink("archive/data.pkl", target: "/etc/passwd"))
        #expect(link.kinds == [.symlink])
        #expect(link.entries[0].isSymlink)
        #expect(link.anomalies[0].evidence == "archive/data.pkl -> /etc/passwd")
        #expect(link.anomalies[0].message.contains("outside"))
        #expect(try parse(ZipBuilder().stored("f", text: "x") { $0.externalAttributes = 0o120777 << 16; $0.versionMadeBy = 0x0014 })
            .kinds.isEmpty)
        #expect(try parse(ZipBuilder().stored("f", text: "x")).kinds.isEmpty)
    }

    @Test("crcMismatch: only on request, for stored and deflated members")
    func crcMismatch() throws {
        let stored = try parse(torch { $0.crc32 = 0xDEAD_BEEF })
        #expect(stored.anomalies.isEmpty)
        #expect(stored.verifyCRC(of: stored.entries[0])?.kind == .crcMismatch)
        #expect(stored.verifyCRC(of: stored.entries[1]) == nil)
        let deflated = try parse(ZipBuilder().deflated("d", Array(0..<255)) { $0.crc32 = 1 })
        #expect(deflated.verifyCRC(of: deflated.entries[0])?.kind == .crcMismatch)
        let corrupt = try parse(ZipBuilder().deflated("d", Array(0..<255)) { $0.payloadOverride = [0xFF, 0xFF, 0xFF] })
        #expect(corrupt.verifyCRC(of: corrupt.entries[0])?.kind == .crcMismatch)
        let good = try parse(ZipBuilder().deflated("d", Array(0..<255)))
        #expect(good.verifyCRC(of: good.entries[0]) == nil)
    }

    @Test("overlappingEntries: shared local headers, headers inside the directory")
    func overlapping() throws {
        let aliased = try parse(torch().alias("archive/other.pkl", of: "archive/data.pkl"))
        #expect(aliased.kinds == [.overlappingEntries, .nameMismatch])
        let intoDirectory = ZipBuilder().stored("a", text: "x").stored("b", text: "y") { $0.localHeaderOffset = 0 }
        #expect(try parse(intoDirectory).kinds.contains(.overlappingEntries))
        let quoted = try parse(ZipBuilder().stored("a", text: "x") { $0.compressedSize = 33; $0.uncompressedSize = 33 }
            .stored("b", text: "y"))
        #expect(quoted.kinds == [.overlappingEntries], "\(quoted.anomalies)")
        // A local header hidden in a central-directory extra field, pointed at by another entry.
        var fake: [UInt8] = [0x50, 0x4B, 3, 4, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]
        fake += [UInt8](repeating: 0, count: 12) + [1, 0, 0, 0, UInt8(ascii: "x")]
        let extra: [UInt8] = [0xFE, 0xCA, UInt8(fake.count), 0] + fake
        let base = ZipBuilder().stored("a", text: "1") { $0.centralExtra = extra }.stored("x", [])
        let directory = try parse(base).centralDirectoryRange.lowerBound
        let hidden = try parse(ZipBuilder().stored("a", text: "1") { $0.centralExtra = extra }
            .stored("x", []) { $0.localHeaderOffset = directory + 46 + 1 + 4 })
        #expect(hidden.kinds.contains(.overlappingEntries), "\(hidden.anomalies)")
        #expect(hidden.anomalies(.overlappingEntries).first?.message.contains("central directory") == true)
        #expect(try parse(torch()).kinds.isEmpty)
    }

    @Test("unaccountedData: before, between, before the directory, after the end record")
    func unaccounted() throws {
        let junk = Array("JUNK".utf8)
        let before = try parse(torch().junk(junk).stored("z", text: "z"))
        #expect(before.kinds == [.unaccountedData])
        let first = try parse(ZipBuilder().junk(junk).stored("a", text: "a"))
        #expect(first.anomalies[0].offset == 0 && first.anomalies[0].message.hasPrefix("4 bytes"))
        let beforeDirectory = try parse(torch().junk(junk))
        #expect(beforeDirectory.kinds == [.unaccountedData])
        #expect(beforeDirectory.anomalies[0].message.contains("central directory"))
        let after = try parse(torch().trailing(junk))
        #expect(after.kinds == [.unaccountedData] && after.anomalies[0].message.contains("end record"))
        #expect(try parse(torch().comment(junk)).kinds.isEmpty)
    }

    @Test("compressionBomb: impossible sizes, ratio, total and entry count")
    func bomb() throws {
        let impossible = try parse(ZipBuilder().deflated("z", [UInt8](repeating: 0, count: 1000)) { $0.uncompressedSize = 1 << 34 })
        #expect(impossible.kinds == [.compressionBomb])
        var limits = ScanLimits()
        limits.ratioExemptBelow = 100
        limits.maxCompressionRatio = 50
        let ratio = ZipBuilder().deflated("z", [UInt8](repeating: 0, count: 200_000))
        #expect(try parse(ratio, limits: limits).kinds == [.compressionBomb])
        #expect(try parse(ratio).kinds.isEmpty)
        limits = ScanLimits()
        limits.maxDecompressedBytes = 100_000
        #expect(try parse(ratio, limits: limits).kinds == [.compressionBomb])
        limits = ScanLimits()
        limits.maxEntries = 2
        let many = try parse(torch().stored("c", text: "c"), limits: limits)
        #expect(many.kinds.contains(.compressionBomb) && many.entries.count == 2)
        #expect(try parse(torch().stored("c", text: "c")).kinds.isEmpty)
    }

    @Test("unsupportedMethod: anything but stored and deflate")
    func unsupported() throws {
        #expect(try parse(ZipBuilder().stored("b", text: "x") { $0.method = 12 }).kinds == [.unsupportedMethod])
        #expect(try parse(ZipBuilder().stored("b", text: "x") { $0.method = 93 }).kinds == [.unsupportedMethod])
        #expect(try parse(ZipBuilder().deflated("b", Array("x".utf8))).kinds.isEmpty)
    }

    @Test("malformed: counts, sizes, comments, end records, missing headers")
    func malformed() throws {
        #expect(try parse(torch().endRecord { $0.entries = 5 }).kinds == [.malformed])
        #expect(try parse(torch().endRecord { $0.commentLength = 30 }).kinds == [.malformed])
        #expect(try parse(torch().endRecord { $0.diskNumber = 1 }).kinds == [.malformed])
        let size = try parse(torch().endRecord { $0.centralDirectorySize = 50 })
        #expect(size.kinds.contains(.malformed))
        #expect(try parse(torch { $0.uncompressedSize = 7 }).kinds == [.malformed])
        #expect(try parse(ZipBuilder().stored("dir/", pickle)).kinds == [.malformed])
        #expect(try parse(ZipBuilder().stored("dir/", [])).kinds.isEmpty)
        let missing = try parse(torch().stored("c", text: "c") { $0.localHeaderOffset = 3 })
        #expect(missing.kinds.contains(.malformed) && !missing.entries[2].hasValidLocalHeader)
        let inner = ZipBuilder().stored("fake", text: "f").bytes()
        let second = try parse(ZipBuilder().stored("real", text: "r").comment(inner))
        #expect(second.kinds.contains(.malformed), "\(second.anomalies)")
        #expect(second.entries.map(\.name) == ["fake"] || second.entries.map(\.name) == ["real"])
        #expect(try parse(torch().zip64()).kinds.isEmpty)
    }

    @Test("anomaly floods are capped per kind with a summary")
    func cap() throws {
        var builder = ZipBuilder()
        for index in 0..<150 { builder = builder.stored("../\(index)", text: "x") }
        let archive = try parse(builder)
        #expect(archive.anomalies.count == 101)
        #expect(archive.anomalies.last?.message.hasPrefix("50 more") == true)
    }
}
