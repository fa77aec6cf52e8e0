import VetFixtures
import Testing
import VetBytes
import VetCore
import VetFormats

@Suite("Inflater")
struct InflaterTests {
    let text = Array(String(repeating: "model weights and a pickle ", count: 200).utf8)

    @Test("round-trips raw deflate, zlib and gzip")
    func roundTrip() throws {
        for format in CompressedStreamFormat.allCases {
            let packed = Deflater.deflate(text, format: format)
            #expect(!packed.isEmpty)
            let output = try Inflater.inflateReportingInput(ByteSource(packed), format: format, limit: 1 << 20,
                                                            expectedSize: text.count)
            #expect(output.bytes.withUnsafeBytes { Array($0) } == text)
            #expect(output.inputConsumed == packed.count)
        }
    }

    @Test("a wrong size hint only changes the first allocation")
    func hints() throws {
        let packed = ByteSource(Deflater.deflate(text))
        for hint in [nil, 0, 1, 10, text.count, 1 << 40] as [Int?] {
            let output = try Inflater.inflate(packed, format: .rawDeflate, limit: 1 << 20, expectedSize: hint)
            #expect(output.count == text.count)
        }
    }

    @Test("reads concatenated gzip members and reports trailing bytes")
    func gzipMembers() throws {
        let one = Deflater.deflate(Array("first ".utf8), format: .gzip)
        let two = Deflater.deflate(Array("second".utf8), format: .gzip)
        let output = try Inflater.inflateReportingInput(ByteSource(one + two + [9, 9]), format: .gzip, limit: 100)
        #expect(String(decoding: output.bytes.withUnsafeBytes { Array($0) }, as: UTF8.self) == "first second")
        #expect(output.inputConsumed == one.count + two.count)
    }

    @Test("output past the limit is a bomb, not corruption")
    func limit() {
        let zeros = ByteSource(Deflater.deflate([UInt8](repeating: 0, count: 1 << 20)))
        #expect(throws: InflateError.limitExceeded(limit: 1000, what: "output limit")) {
            try Inflater.inflate(zeros, format: .rawDeflate, limit: 1000)
        }
        #expect((try? Inflater.inflate(zeros, format: .rawDeflate, limit: 1 << 20))?.count == 1 << 20)
        do {
            _ = try Inflater.inflate(zeros, format: .rawDeflate, limit: (1 << 20) - 1)
            Issue.record("expected a limit error")
        } catch {
            #expect(error.isLimitExceeded)
        }
    }

    @Test("truncated and corrupt streams are told apart")
    func damage() {
        let packed = Deflater.deflate(text, format: .zlib)
        for cut in [1, packed.count / 2, packed.count - 1] {
            do {
                _ = try Inflater.inflate(ByteSource(Array(packed.prefix(cut))), format: .zlib, limit: 1 << 20)
                Issue.record("prefix \(cut) inflated")
            } catch let error {
                guard case .truncated = error else { Issue.record("prefix \(cut): \(error)"); continue }
            }
        }
        #expect(throws: InflateError.self) { try Inflater.inflate(ByteSource([UInt8]()), format: .gzip, limit: 10) }
        do {
            _ = try Inflater.inflate(ByteSource([0x78, 0x9C, 0xFF, 0xFF, 0xFF]), format: .zlib, limit: 100)
            Issue.record("garbage inflated")
        } catch let error {
            guard case .corrupt = error else { Issue.record("\(error)"); return }
        }
    }

    @Test("random input never traps")
    func randomInput() {
        var random = ArchiveFixtures.SplitMix(state: 42)
        for round in 0..<300 {
            let bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let format = CompressedStreamFormat.allCases[round % 3]
            _ = try? Inflater.inflate(ByteSource(bytes), format: format, limit: 1 << 16)
        }
    }

    @Test("streaming keeps nothing and counts everything")
    func chunks() throws {
        let big = [UInt8](repeating: 7, count: 300_000)
        var crc: UInt32 = 0
        let result = try Inflater.forEachChunk(ByteSource(Deflater.deflate(big)), format: .rawDeflate, limit: 1 << 20) {
            crc = CRC32.update(crc, $0)
        }
        #expect(result.produced == big.count)
        #expect(crc == CRC32.checksum(ByteSource(big)))
    }

    @Test("CRC-32 matches the standard check value")
    func crc() {
        #expect(CRC32.checksum(ByteSource(Array("123456789".utf8))) == 0xCBF4_3926)
        #expect(CRC32.checksum(ByteSource([UInt8]())) == 0)
    }

    @Test("the decompression budget is drawn down and refuses overdrafts")
    func budget() throws {
        var budget = DecompressionBudget(remaining: 100)
        try budget.charge(60)
        #expect(budget.remaining == 40)
        #expect(throws: InflateError.self) { try budget.charge(41) }
        #expect(budget.remaining == 0)
        #expect(DecompressionBudget(limits: ScanLimits()).remaining == ScanLimits().maxDecompressedBytes)
    }
}
