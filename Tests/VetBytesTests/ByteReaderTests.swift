import Foundation
import Testing
@testable import VetBytes

@Suite("Bounds-checked reading")
struct ByteReaderTests {
    @Test("reads little- and big-endian integers and stops at the end")
    func integers() throws {
        var reader = ByteSource([1, 0, 2, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xFF]).reader()
        #expect(try reader.u16le() == 1)
        #expect(try reader.u32le() == 2)
        #expect(try reader.u64be() == 0x8000_0000_0000_0000)
        #expect(try reader.u8() == 0xFF)
        #expect(reader.isAtEnd)
        #expect(throws: ByteError.self) { try reader.u8() }
    }

    @Test("a failed read does not move the cursor")
    func failedReadKeepsPosition() throws {
        var reader = ByteSource([1, 2, 3]).reader()
        try reader.skip(1)
        #expect(throws: ByteError.self) { try reader.u32le() }
        #expect(reader.offset == 1)
        #expect(throws: ByteError.self) { try reader.skip(-1) }
        #expect(throws: ByteError.self) { try reader.seek(to: 4) }
    }

    @Test("sub-readers cannot leave their slice")
    func subReader() throws {
        var reader = ByteSource([1, 2, 3, 4, 5]).reader()
        try reader.skip(1)
        var sub = try reader.subReader(2)
        #expect(try sub.bytes(2) == [2, 3])
        #expect(throws: ByteError.self) { try sub.u8() }
        #expect(try reader.u8() == 4)
    }

    @Test("slices are bounds-checked and relative")
    func slices() throws {
        let source = ByteSource(Array(0..<10).map(UInt8.init))
        let slice = try source.slice(2..<6)
        #expect(slice.count == 4)
        #expect(slice.byte(at: 0) == 2)
        #expect(slice.byte(at: 4) == nil)
        #expect(throws: ByteError.self) { try slice.slice(0..<5) }
        #expect(source.clampedSlice(from: 8, length: 100).count == 2)
        #expect(source.firstIndex(of: [5, 6]) == 5)
        #expect(source.firstIndex(of: [6, 5]) == nil)
    }

    @Test("lines need a newline within the limit")
    func lines() throws {
        var reader = ByteSource(Array("ab\ncd".utf8)).reader()
        #expect(try reader.line(limit: 10).withUnsafeBytes { Array($0) } == Array("ab".utf8))
        #expect(throws: ByteError.self) { try reader.line(limit: 10) }
    }

    @Test("checked arithmetic throws instead of trapping")
    func checked() {
        #expect(throws: ByteError.self) { try Checked.add(Int.max, 1) }
        #expect(throws: ByteError.self) { try Checked.multiply(Int.max / 2, 3) }
        #expect(throws: ByteError.self) { try Checked.int(UInt64.max) }
        #expect((try? Checked.int(UInt32.max)) == Int(UInt32.max))
    }

    @Test("files are memory-mapped; missing files and directories are errors, empty files are empty")
    func mapping() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-bytes-\(UUID().uuidString)")
        try Data([9, 8, 7]).write(to: url)
        #expect(try ByteSource.mapFile(atPath: url.path).prefixBytes(length: 10) == [9, 8, 7])
        try Data().write(to: url)
        #expect(try ByteSource.mapFile(atPath: url.path).isEmpty)
        #expect(throws: ByteError.self) { try ByteSource.mapFile(atPath: url.path + "-missing") }
        #expect(throws: ByteError.self) { try ByteSource.mapFile(atPath: "/tmp") }
    }
}
