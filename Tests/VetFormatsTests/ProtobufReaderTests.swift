import VetFixtures
import Testing
import VetBytes
import VetFormats
@testable import VetGraphs

@Suite struct ProtobufReaderTests {
    @Test func readsEveryWireType() throws {
        let bytes = ProtobufWriter { w in
            w.varint(1, 150)
            w.fixed64(2, 0x0102_0304_0506_0708)
            w.string(3, "testing")
            w.fixed32(4, 7)
            w.varint(5, -1)
        }.bytes
        var reader = ProtobufReader(ByteSource(bytes), baseOffset: 100)
        var fields: [ProtobufField] = []
        while let field = try reader.next() { fields.append(field) }
        #expect(fields.map(\.number) == [1, 2, 3, 4, 5])
        #expect(fields[0].uint64 == 150)
        #expect(fields[0].offset == 100)
        if case let .fixed64(value) = fields[1].value { #expect(value == 0x0102_0304_0506_0708) } else { Issue.record("not fixed64") }
        #expect(fields[2].string(limit: 100)?.text == "testing")
        #expect(fields[2].payloadOffset == 100 + 3 + 9 + 2)
        #expect(fields[4].int64 == -1)
    }

    @Test func lengthPastEndIsTruncated() {
        var reader = ProtobufReader(ByteSource([0x0A, 0x05, 0x41]))
        #expect(throws: ProtobufError.self) { _ = try reader.next() }
    }

    @Test func invalidWireTypeAndFieldZero() {
        var bad = ProtobufReader(ByteSource([0x0E, 0x00]))
        #expect { _ = try bad.next() } throws: { ($0 as? ProtobufError)?.kind == .invalidWireType }
        var zero = ProtobufReader(ByteSource([0x00, 0x00]))
        #expect { _ = try zero.next() } throws: { ($0 as? ProtobufError)?.kind == .invalidFieldNumber }
    }

    @Test func overlongVarintThrows() {
        var reader = ProtobufReader(ByteSource([0x08] + [UInt8](repeating: 0xFF, count: 11)))
        #expect { _ = try reader.next() } throws: { ($0 as? ProtobufError)?.kind == .invalidVarint }
    }

    @Test func groupsAreSkipped() throws {
        var w = ProtobufWriter()
        w.tag(7, .startGroup)
        w.varint(1, 5)
        w.tag(8, .startGroup)
        w.tag(8, .endGroup)
        w.tag(7, .endGroup)
        w.varint(2, 9)
        var reader = ProtobufReader(ByteSource(w.bytes))
        let group = try #require(try reader.next())
        #expect(group.number == 7)
        if case let .group(body) = group.value { #expect(body.count == 4) } else { Issue.record("not a group") }
        #expect(try reader.next()?.uint64 == 9)
        var unclosed = ProtobufReader(ByteSource([0x3B, 0x08, 0x01]))
        #expect(throws: ProtobufError.self) { _ = try unclosed.next() }
        var mismatched = ProtobufReader(ByteSource([0x3B, 0x44]))
        #expect(throws: ProtobufError.self) { _ = try mismatched.next() }
    }

    @Test func budgetStopsAtLimits() {
        var limits = ProtobufLimits()
        limits.maxFields = 2
        var budget = ProtobufBudget(limits)
        #expect(throws: Never.self) { try budget.field(at: 0); try budget.field(at: 1) }
        #expect(throws: ProtobufError.self) { try budget.field(at: 2) }
        #expect(throws: ProtobufError.self) { try budget.enter(depth: 101, at: 0) }
    }

    @Test func lengthDelimitedValuesAreSlicesNotCopies() throws {
        let payload = [UInt8](repeating: 0xAB, count: 4096)
        let bytes = ProtobufWriter { $0.bytes(9, payload) }.bytes
        var reader = ProtobufReader(ByteSource(bytes))
        let field = try #require(try reader.next())
        let slice = try #require(field.bytes)
        #expect(slice.count == 4096)
        #expect(field.payloadOffset == 3)
    }
}
