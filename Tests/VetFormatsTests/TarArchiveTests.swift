import VetFixtures
import Testing
import VetBytes
import VetCore
import VetFormats

@Suite("TarArchive")
struct TarArchiveTests {
    func parse(_ builder: TarBuilder, limits: ScanLimits = ScanLimits()) throws -> TarArchive {
        try ArchiveFixtures.tar(builder.bytes(), limits: limits)
    }

    func text(_ archive: TarArchive, _ entry: TarEntry) throws -> String {
        String(decoding: try archive.contents(of: entry).withUnsafeBytes { Array($0) }, as: UTF8.self)
    }

    @Test("Python tarfile output (pax, GNU, ustar) parses with no anomalies")
    func pythonTar() throws {
        let long = "dir/" + String(repeating: "long_name_", count: 12) + ".txt"
        for (fixture, name) in [(ArchiveFixtures.paxTarGz, long), (ArchiveFixtures.gnuTarGz, long),
                                (ArchiveFixtures.ustarTarGz, "dir/short.txt")] {
            let bytes = try ArchiveFixtures.gunzip(fixture)
            #expect(TarArchive.sniff(bytes))
            let archive = try ArchiveFixtures.tar(bytes)
            #expect(archive.anomalies.isEmpty, "\(archive.anomalies)")
            #expect(archive.entries.map(\.name) == [name, "dir/"])
            #expect(archive.entries[1].kind == .directory)
            #expect(try text(archive, archive.entries[0]) == "hello tar")
        }
    }

    @Test("builder archives round-trip in every dialect")
    func roundTrip() throws {
        let long = String(repeating: "n", count: 150)
        for format in [TarBuilder.Format.ustar, .gnu, .pax, .v7] {
            let archive = try parse(TarBuilder(format: format).file("a.txt", text: "alpha").directory("d/")
                .file(format == .gnu || format == .pax ? long : "b", text: "beta"))
            #expect(archive.anomalies.isEmpty, "\(format): \(archive.anomalies)")
            #expect(archive.entries.count == 3)
            #expect(try text(archive, archive.entries[2]) == "beta")
            if format == .gnu || format == .pax { #expect(archive.entries[2].name == long) }
        }
        let prefixed = try parse(TarBuilder().file("name.txt", text: "x") { $0.prefix = Array("some/dir".utf8) })
        #expect(prefixed.entries[0].name == "some/dir/name.txt")
    }

    @Test("base-256 sizes and pax size records are honoured")
    func sizes() throws {
        let big = try parse(TarBuilder().file("b", [UInt8](repeating: 1, count: 700)) { $0.base256Size = true })
        #expect(big.anomalies.isEmpty && big.entries[0].size == 700)
        let pax = TarBuilder(format: .pax).file("p", [UInt8](repeating: 2, count: 600)) {
            $0.paxRecords = [(key: "size", value: "600")]
            $0.sizeOverride = 0
        }
        let archive = try parse(pax)
        #expect(archive.entries[0].size == 600 && archive.anomalies.isEmpty, "\(archive.anomalies)")
    }

    @Test("pathTraversal: dot-dot and absolute names")
    func traversal() throws {
        #expect(try parse(TarBuilder().file("../../etc/x", text: "x")).kinds == [.pathTraversal])
        #expect(try parse(TarBuilder().file("/etc/x", text: "x")).kinds == [.pathTraversal])
        #expect(try parse(TarBuilder(format: .pax).file("ok", text: "x") { $0.paxRecords = [(key: "path", value: "../p")] })
            .kinds == [.pathTraversal])
        #expect(try parse(TarBuilder().file("a/b/c.txt", text: "x")).kinds.isEmpty)
    }

    @Test("link: symbolic and hard links, escaping targets named")
    func links() throws {
        let symbolic = try parse(TarBuilder().symlink("l", target: "/etc/passwd"))
        #expect(symbolic.kinds == [.link] && symbolic.anomalies[0].message.contains("outside"))
        #expect(symbolic.entries[0].linkName == "/etc/passwd")
        let hard = try parse(TarBuilder().file("a", text: "x").hardlink("h", target: "a"))
        #expect(hard.kinds == [.link] && !hard.anomalies[0].message.contains("outside"))
        let longLink = try parse(TarBuilder(format: .pax).symlink("l", target: "x") {
            $0.paxRecords = [(key: "linkpath", value: "../../secret")]
        })
        #expect(longLink.entries[0].linkName == "../../secret")
        #expect(try parse(TarBuilder().file("a", text: "x")).kinds.isEmpty)
    }

    @Test("specialFile: devices and FIFOs")
    func special() throws {
        for type in ["3", "4", "6"] as [Character] {
            #expect(try parse(TarBuilder().special("dev", type: type)).kinds == [.specialFile])
        }
        #expect(try parse(TarBuilder().directory("d/")).kinds.isEmpty)
    }

    @Test("checksumMismatch: reported, and listing resumes at the next valid header as GNU tar does")
    func checksum() throws {
        let archive = try parse(TarBuilder().file("a", text: "x").file("b", text: "y") { $0.checksumDelta = 1 }
            .file("c", text: "z"))
        #expect(archive.kinds == [.checksumMismatch])
        #expect(archive.entries.map(\.name) == ["a", "c"])
        #expect(throws: TarError.self) { try parse(TarBuilder().file("a", text: "x") { $0.checksumDelta = 1 }) }
        #expect(try parse(TarBuilder().file("a", text: "x")).kinds.isEmpty)
    }

    @Test("malformed: truncation, bad numbers, data on non-files, meta headers, limits")
    func malformed() throws {
        let full = TarBuilder().file("a", [UInt8](repeating: 5, count: 1000)).bytes()
        #expect(try ArchiveFixtures.tar(Array(full.prefix(900))).kinds == [.malformed])
        #expect(try parse(TarBuilder().file("a", text: "x").endMarker(blocks: 0)).kinds == [.malformed])
        let badSize = try parse(TarBuilder().file("a", text: "x").file("b", text: "y") {
            $0.rawSizeField = Array("99999999999x".utf8)
        })
        #expect(badSize.kinds == [.malformed] && badSize.entries.count == 1)
        var corrupted = TarBuilder().file("a", text: "x").bytes()
        corrupted[0] = UInt8(ascii: "b")
        #expect(throws: TarError.self) { try ArchiveFixtures.tar(corrupted) }
        let dataOnLink = try parse(TarBuilder().symlink("l", target: "t") { $0.data = [UInt8](repeating: 0, count: 512) })
        #expect(dataOnLink.kinds.contains(.malformed))
        let badPax = TarBuilder(format: .pax).file("p", text: "x") { $0.paxRecords = [(key: "x", value: "y")] }.bytes()
        var broken = badPax
        if let at = broken.firstIndex(of: UInt8(ascii: "=")) { broken[at] = UInt8(ascii: "-") }
        #expect(try ArchiveFixtures.tar(broken).kinds.contains(.malformed) || (try? ArchiveFixtures.tar(broken)) == nil)
        var limits = ScanLimits()
        limits.maxEntries = 2
        let many = try parse(TarBuilder().file("a", text: "1").file("b", text: "2").file("c", text: "3"), limits: limits)
        #expect(many.kinds == [.malformed] && many.entries.count == 2)
        #expect(try parse(TarBuilder().file("a", text: "x")).kinds.isEmpty)
    }

    @Test("Python's directory-by-slash quirk: no data is skipped after it")
    func oldStyleDirectory() throws {
        let archive = try parse(TarBuilder().file("d/", []) { $0.typeflag = 0 }.file("a", text: "x"))
        #expect(archive.entries.map(\.name) == ["d/", "a"] && archive.anomalies.isEmpty)
    }

    @Test("duplicateName: same name after normalisation, not for repeated directories")
    func duplicates() throws {
        let archive = try parse(TarBuilder().file("pickle", text: "1").file("./pickle", text: "2"))
        #expect(archive.kinds == [.duplicateName])
        #expect(archive.entries(named: "pickle").count == 2)
        #expect(try parse(TarBuilder().file("a/./b", text: "1").file("a/b", text: "2")).kinds == [.duplicateName])
        #expect(try parse(TarBuilder().directory("d/").directory("d/")).kinds.isEmpty)
        #expect(try parse(TarBuilder().file("a", text: "1").file("b", text: "2")).kinds.isEmpty)
    }

    @Test("unaccountedData: padding and bytes after the end marker")
    func unaccounted() throws {
        let padded = try parse(TarBuilder().file("a", text: "x") { $0.padding = Array("hidden".utf8) })
        #expect(padded.kinds == [.unaccountedData])
        #expect(padded.anomalies[0].offset == 513)
        let appended = try parse(TarBuilder().file("a", text: "x").trailing(TarBuilder().file("b", text: "y").bytes()))
        #expect(appended.kinds == [.unaccountedData] && appended.entries.count == 1)
        #expect(try parse(TarBuilder().file("a", text: "x").trailing([UInt8](repeating: 0, count: 9000))).kinds.isEmpty)
    }

    @Test("sniffing")
    func sniff() {
        #expect(TarArchive.sniff(TarBuilder(format: .v7).file("a", text: "x").bytes()))
        #expect(!TarArchive.sniff([UInt8](repeating: 0, count: 1024)))
        #expect(!TarArchive.sniff(Array(String(repeating: "text ", count: 200).utf8)))
        #expect(!TarArchive.sniff([1, 2, 3]))
    }

    @Test("every prefix, random bytes and mutations never trap")
    func robustness() {
        let valid = TarBuilder(format: .pax).file(String(repeating: "x", count: 120), text: "alpha")
            .symlink("l", target: "a").file("b", [UInt8](repeating: 1, count: 700)).bytes()
        for length in stride(from: 0, through: valid.count, by: 7) {
            do { exercise(try ArchiveFixtures.tar(Array(valid.prefix(length)))) } catch {}
        }
        var random = ArchiveFixtures.SplitMix(state: 11)
        for _ in 0..<1000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if let archive = try? ArchiveFixtures.tar(bytes) { exercise(archive) }
        }
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0...2048, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            if let archive = try? ArchiveFixtures.tar(bytes) { exercise(archive) }
        }
    }

    private func exercise(_ archive: TarArchive) {
        for entry in archive.entries { _ = try? archive.contents(of: entry) }
    }
}
