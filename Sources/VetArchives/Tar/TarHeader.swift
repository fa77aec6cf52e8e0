import VetBytes

/// The fields of one 512-byte tar header block (ustar layout; GNU and v7 share the first part).
struct TarHeader {
    static let blockSize = 512

    var name: [UInt8]
    var mode: UInt32
    var size: Int?
    var rawSize: [UInt8]
    var storedChecksum: Int?
    var typeflag: UInt8
    var linkName: [UInt8]
    var magic: [UInt8]
    var prefix: [UInt8]
    var checksums: (unsigned: Int, signed: Int)

    init(_ block: [UInt8]) {
        name = TarHeader.string(block, 0, 100)
        mode = UInt32(clamping: TarHeader.number(Array(block[100..<108])) ?? 0)
        rawSize = Array(block[124..<136])
        size = TarHeader.number(rawSize)
        storedChecksum = TarHeader.number(Array(block[148..<156]))
        typeflag = block[156]
        linkName = TarHeader.string(block, 157, 100)
        magic = Array(block[257..<265])
        prefix = TarHeader.string(block, 345, 155)
        var unsigned = 0, signed = 0
        for (index, byte) in block.enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        checksums = (unsigned, signed)
    }

    /// Whether the stored checksum matches the unsigned or the historic signed sum.
    var checksumMatches: Bool {
        guard let stored = storedChecksum else { return false }
        return stored == checksums.unsigned || stored == checksums.signed
    }

    /// Whether the block is POSIX ustar (`ustar\0`), which uses the prefix field.
    var isUstar: Bool { magic.starts(with: Array("ustar\0".utf8)) }

    /// Whether the block is old GNU (`ustar  \0`), whose prefix bytes hold other fields.
    var isOldGNU: Bool { magic.elementsEqual(Array("ustar  \0".utf8)) }

    /// The full name as Python's tarfile builds it: `prefix/name` when a prefix is present,
    /// except for GNU meta types whose prefix bytes mean something else.
    var fullName: [UInt8] {
        let gnuTypes: [UInt8] = Array("LKS".utf8)
        guard !prefix.isEmpty, !isOldGNU, !gnuTypes.contains(typeflag) else { return name }
        return prefix + [UInt8(ascii: "/")] + name
    }

    /// The bytes of a NUL-terminated field.
    static func string(_ block: [UInt8], _ start: Int, _ length: Int) -> [UInt8] {
        let field = block[start..<(start + length)]
        return Array(field.prefix { $0 != 0 })
    }

    /// Decodes a numeric field as Python's `nti` does: base-256 when the first byte is 0x80
    /// (positive) or 0xFF (negative), otherwise octal up to the first NUL, blanks trimmed.
    /// Returns `nil` for invalid digits, negative values or values beyond `Int`.
    static func number(_ field: [UInt8]) -> Int? {
        guard let first = field.first else { return nil }
        if first == 0x80 || first == 0xFF {
            guard first == 0x80 else { return nil }
            var value = 0
            for byte in field.dropFirst() {
                let shifted = value.multipliedReportingOverflow(by: 256)
                guard !shifted.overflow else { return nil }
                value = shifted.partialValue | Int(byte)
            }
            return value
        }
        let text = field.prefix { $0 != 0 }
        let trimmed = text.drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 }.reversed()
        guard !trimmed.isEmpty else { return 0 }
        var value = 0
        for byte in trimmed {
            guard (0x30...0x37).contains(byte) else { return nil }
            let shifted = value.multipliedReportingOverflow(by: 8)
            guard !shifted.overflow else { return nil }
            value = shifted.partialValue + Int(byte - 0x30)
        }
        return value
    }
}

/// The records of a pax extended header: `"<length> <key>=<value>\n"`, the length counting
/// the whole record.
enum PaxRecords {
    /// Parses `data`, returning the records and whether the whole block was well formed.
    static func parse(_ data: [UInt8]) -> (records: [String: [UInt8]], wellFormed: Bool) {
        let (records, _, wellFormed) = parseOrdered(data)
        return (records, wellFormed)
    }

    /// Parses `data`, also returning every record in order (pax sparse format 0.0 repeats its
    /// `GNU.sparse.offset`/`numbytes` keys, which a dictionary would collapse).
    static func parseOrdered(_ data: [UInt8]) -> (records: [String: [UInt8]], ordered: [(String, [UInt8])], wellFormed: Bool) {
        var records: [String: [UInt8]] = [:]
        var ordered: [(String, [UInt8])] = []
        var position = 0
        // Each record advances by its declared length, which must be positive and fit the data.
        while position < data.count {
            if data[position] == 0 { break }
            guard let space = data[position...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: data[position..<space], as: UTF8.self)),
                  length > space - position, position + length <= data.count,
                  data[position + length - 1] == 0x0A,
                  let equals = data[(space + 1)..<(position + length)].firstIndex(of: UInt8(ascii: "="))
            else { return (records, ordered, false) }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            let value = Array(data[(equals + 1)..<(position + length - 1)])
            records[key] = value
            ordered.append((key, value))
            position += length
        }
        return (records, ordered, true)
    }
}
