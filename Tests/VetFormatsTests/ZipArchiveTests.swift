import VetFixtures
import Testing
import VetBytes
import VetCore
import VetFormats

@Suite("ZipArchive structure")
struct ZipArchiveTests {
    let pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E]

    @Test("real torch.save output parses with no anomalies")
    func torchSave() throws {
        let bytes = ArchiveFixtures.base64(ArchiveFixtures.torchSave)
        let archive = try ArchiveFixtures.zip(bytes)
        #expect(archive.anomalies.isEmpty, "\(archive.anomalies)")
        #expect(archive.isZip64)
        #expect(archive.entries.map(\.name).contains("t/data.pkl"))
        let pkl = try #require(archive.entries.first { $0.name == "t/data.pkl" })
        #expect(pkl.hasDataDescriptor && pkl.dataDescriptorLength == 16)
        #expect(archive.source.prefixBytes(from: pkl.dataRange.lowerBound, length: 2) == [0x80, 0x02])
        #expect(archive.entries.allSatisfy { archive.verifyCRC(of: $0) == nil })
        #expect(archive.entryAsPyTorchReads("t/data.pkl")?.index == pkl.index)
        #expect(ZipArchive.sniff(bytes) && ZipArchive.sniffTail(ByteSource(bytes)))
    }

    @Test("real Python zipfile output parses with no anomalies")
    func pythonZip() throws {
        let archive = try ArchiveFixtures.zip(ArchiveFixtures.base64(ArchiveFixtures.pythonZip))
        #expect(archive.anomalies.isEmpty, "\(archive.anomalies)")
        #expect(archive.entries.map(\.name) == ["model/config.json", "model/", "model/weights.bin", "model/big.txt"])
        #expect(archive.entries[1].isDirectory)
        #expect(archive.entries[3].isZip64)
        var budget = DecompressionBudget(remaining: 1 << 20)
        let weights = try archive.contents(of: archive.entries[2], budget: &budget, limits: ScanLimits())
        #expect(weights.count == 3000 && budget.remaining == (1 << 20) - 3000)
        let big = try archive.contents(of: archive.entries[3], budget: &budget, limits: ScanLimits())
        #expect(big.withUnsafeBytes { Array($0) } == Array(String(repeating: "hello zip64 ", count: 10).utf8))
        #expect(archive.entries.allSatisfy { archive.verifyCRC(of: $0) == nil })
    }

    @Test("builder archives round-trip: names, methods, ranges and contents")
    func roundTrip() throws {
        let weights = [UInt8](repeating: 3, count: 5000)
        let bytes = ZipBuilder().stored("archive/data.pkl", pickle).deflated("archive/data/0", weights)
            .stored("archive/ü.txt", text: "utf8").bytes()
        let archive = try ArchiveFixtures.zip(bytes)
        #expect(archive.anomalies.isEmpty, "\(archive.anomalies)")
        #expect(archive.entries.map(\.method) == [0, 8, 0])
        #expect(archive.entries[2].name == "archive/ü.txt")
        var budget = DecompressionBudget(limits: ScanLimits())
        let first = try archive.contents(of: archive.entries[0], budget: &budget, limits: ScanLimits())
        #expect(first.withUnsafeBytes { Array($0) } == pickle)
        let second = try archive.contents(of: archive.entries[1], budget: &budget, limits: ScanLimits())
        #expect(second.withUnsafeBytes { Array($0) } == weights)
        #expect(archive.entries[1].compressedSize < weights.count)
    }

    @Test("forced zip64 archives parse and agree with the 32-bit view")
    func zip64() throws {
        let bytes = ZipBuilder().stored("archive/data.pkl", pickle) { $0.dataDescriptor = true }
            .deflated("archive/data/0", [UInt8](repeating: 1, count: 2000)).zip64().bytes()
        let archive = try ArchiveFixtures.zip(bytes)
        #expect(archive.isZip64)
        #expect(archive.anomalies.isEmpty, "\(archive.anomalies)")
        #expect(archive.entries.allSatisfy { $0.isZip64 })
        #expect(archive.entries[1].uncompressedSize == 2000)
        #expect(archive.entries[0].dataDescriptorLength == 24)
        #expect(archive.declaredEntryCount == 2)
    }

    @Test("names that are not UTF-8 decode as CP437")
    func cp437() throws {
        let bytes = ZipBuilder().stored("x", text: "a") { $0.name = [0x63, 0x61, 0x66, 0x82, 0x2E, 0x74] }.bytes()
        let archive = try ArchiveFixtures.zip(bytes)
        #expect(archive.entries[0].name == "café.t")
        #expect(archive.entries[0].rawName == [0x63, 0x61, 0x66, 0x82, 0x2E, 0x74])
    }

    @Test("empty archives and non-archives")
    func edges() throws {
        let empty = ZipBuilder().bytes()
        #expect(empty.count == 22 && ZipArchive.sniff(empty))
        let archive = try ArchiveFixtures.zip(empty)
        #expect(archive.entries.isEmpty && archive.anomalies.isEmpty)
        #expect(throws: ZipError.self) { try ArchiveFixtures.zip(Array("not a zip at all, clearly".utf8)) }
        #expect(throws: ZipError.self) { try ArchiveFixtures.zip([]) }
        #expect(!ZipArchive.sniff(Array("PK".utf8)) && !ZipArchive.sniffTail(ByteSource([UInt8]())))
    }

    @Test("junk before the archive: sniffTail finds it, parsing reports the gap")
    func prependedJunk() throws {
        let bytes = ZipBuilder().junk(Array("#!/bin/sh\nexit 0\n".utf8)).stored("a.txt", text: "x").bytes()
        #expect(!ZipArchive.sniff(bytes) && ZipArchive.sniffTail(ByteSource(bytes)))
        let archive = try ArchiveFixtures.zip(bytes)
        #expect(archive.kinds == [.unaccountedData])
        #expect(archive.anomalies[0].offset == 0)
    }

    @Test("offsets left unadjusted after prepending are corrected like Python's zipfile, and reported")
    func shiftedOffsets() throws {
        let inner = ZipBuilder().stored("a.txt", text: "hello").bytes()
        let bytes = Array("JUNKJUNK".utf8) + inner
        let archive = try ArchiveFixtures.zip(bytes)
        #expect(archive.offsetShift == 8)
        #expect(archive.entries.count == 1 && archive.entries[0].hasValidLocalHeader)
        #expect(archive.kinds == [.malformed, .unaccountedData])
        var budget = DecompressionBudget(limits: ScanLimits())
        let data = try archive.contents(of: archive.entries[0], budget: &budget, limits: ScanLimits())
        #expect(data.withUnsafeBytes { Array($0) } == Array("hello".utf8))
    }

    @Test("contents enforce the budget, the member cap and the declared size")
    func contentLimits() throws {
        let zeros = [UInt8](repeating: 0, count: 4 << 20)
        let archive = try ArchiveFixtures.zip(ZipBuilder().deflated("z", zeros).bytes())
        let entry = archive.entries[0]
        var small = DecompressionBudget(remaining: 1 << 20)
        #expect(throws: InflateError.self) { try archive.contents(of: entry, budget: &small, limits: ScanLimits()) }
        var limits = ScanLimits()
        limits.maxInMemoryMember = 1 << 20
        var budget = DecompressionBudget(limits: ScanLimits())
        do {
            _ = try archive.contents(of: entry, budget: &budget, limits: limits)
            Issue.record("member cap not enforced")
        } catch let error as InflateError {
            #expect(error.isLimitExceeded)
        }
        let lying = try ArchiveFixtures.zip(ZipBuilder().deflated("z", zeros) { $0.uncompressedSize = 1000 }.bytes())
        #expect(throws: InflateError.self) {
            try lying.contents(of: lying.entries[0], budget: &budget, limits: ScanLimits())
        }
    }

    @Test("unreadable, encrypted and foreign-method members throw typed errors")
    func unreadable() throws {
        let bytes = ZipBuilder().stored("enc", text: "x") { $0.flags = 1 }.stored("bz", text: "y") { $0.method = 12 }
            .stored("gone", text: "z") { $0.localHeaderOffset = 1 }.bytes()
        let archive = try ArchiveFixtures.zip(bytes)
        var budget = DecompressionBudget(limits: ScanLimits())
        for entry in archive.entries {
            #expect(throws: ZipError.self) { try archive.contents(of: entry, budget: &budget, limits: ScanLimits()) }
        }
    }

    @Test("every prefix of a valid archive either throws ZipError or parses")
    func prefixes() {
        let bytes = ZipBuilder().stored("archive/data.pkl", pickle).deflated("archive/data/0", Array(0..<200))
            .comment(Array("c".utf8)).bytes()
        for length in 0...bytes.count {
            do {
                let archive = try ArchiveFixtures.zip(Array(bytes.prefix(length)))
                exercise(archive)
            } catch {
                #expect(error is ZipError, "prefix \(length): \(error)")
            }
        }
    }

    @Test("random bytes and random mutations never trap")
    func fuzz() {
        var random = ArchiveFixtures.SplitMix(state: 7)
        let valid = ZipBuilder().stored("a/data.pkl", pickle) { $0.dataDescriptor = true }
            .deflated("a/x", Array(0..<255)).symlink("a/l", target: "../x").zip64().bytes()
        for round in 0..<2000 {
            var bytes: [UInt8]
            if round % 4 == 0 {
                bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                bytes += [0x50, 0x4B, 5, 6] + (0..<18).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            if let archive = try? ArchiveFixtures.zip(bytes) { exercise(archive) }
        }
    }

    private func exercise(_ archive: ZipArchive) {
        var budget = DecompressionBudget(remaining: 1 << 20)
        var limits = ScanLimits()
        limits.maxInMemoryMember = 1 << 20
        for entry in archive.entries {
            _ = archive.verifyCRC(of: entry)
            _ = try? archive.contents(of: entry, budget: &budget, limits: limits)
        }
        _ = archive.entryAsPyTorchReads("a/data.pkl")
    }
}
