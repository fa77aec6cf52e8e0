extension TarBuilder {
    /// Writes the archive.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        for item in items {
            switch item {
            case let .raw(bytes): out += bytes
            case let .header(header): write(header, into: &out)
            }
        }
        out += [UInt8](repeating: 0, count: endBlocks * 512)
        return out + trailingBytes
    }

    private func write(_ header: Header, into out: inout [UInt8]) {
        var header = header
        var records = header.paxRecords
        if header.name.count > 100 {
            switch format {
            case .gnu:
                var meta = Header(name: "././@LongLink", data: header.name + [0])
                meta.typeflag = UInt8(ascii: "L")
                write(meta, into: &out)
                header.name = Array(header.name.prefix(100))
            case .pax:
                records.append((key: "path", value: String(decoding: header.name, as: UTF8.self)))
                header.name = Array(header.name.prefix(100))
            case .ustar, .v7:
                header.name = Array(header.name.prefix(100))
            }
        }
        if !records.isEmpty {
            var meta = Header(name: "PaxHeader", data: TarBuilder.paxData(records))
            meta.typeflag = UInt8(ascii: "x")
            write(meta, into: &out)
        }
        out += block(for: header)
        out += header.data
        let padLength = (512 - header.data.count % 512) % 512
        var padding = header.padding ?? []
        padding = Array(padding.prefix(padLength)) + [UInt8](repeating: 0, count: max(padLength - padding.count, 0))
        out += padding
    }

    private func block(for header: Header) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int, width: Int) {
            for (index, byte) in bytes.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(width - 1 - digits.count, 0)) + digits).utf8) + [0]
        }
        put(header.name, at: 0, width: 100)
        put(octal(Int(header.mode), width: 8), at: 100, width: 8)
        put(octal(0, width: 8), at: 108, width: 8)
        put(octal(0, width: 8), at: 116, width: 8)
        let size = header.sizeOverride ?? header.data.count
        if let raw = header.rawSizeField {
            put(raw, at: 124, width: 12)
        } else if header.base256Size {
            var field = [UInt8](repeating: 0, count: 12)
            field[0] = 0x80
            var value = UInt64(clamping: size)
            for index in stride(from: 11, to: 0, by: -1) {
                field[index] = UInt8(value & 0xFF)
                value >>= 8
            }
            put(field, at: 124, width: 12)
        } else {
            put(octal(size, width: 12), at: 124, width: 12)
        }
        put(octal(0, width: 12), at: 136, width: 12)
        block[156] = header.typeflag
        put(header.linkName, at: 157, width: 100)
        switch format {
        case .ustar, .pax:
            put(Array("ustar\0".utf8) + Array("00".utf8), at: 257, width: 8)
            put(header.prefix, at: 345, width: 155)
        case .gnu:
            put(Array("ustar  \0".utf8), at: 257, width: 8)
        case .v7:
            break
        }
        if format != .v7 {
            put(Array("root".utf8), at: 265, width: 32)
            put(Array("root".utf8), at: 297, width: 32)
        }
        put([UInt8](repeating: 0x20, count: 8), at: 148, width: 8)
        let sum = block.reduce(0) { $0 + Int($1) } + header.checksumDelta
        put(octal(max(sum, 0), width: 7) + [0x20], at: 148, width: 8)
        return block
    }

    /// Encodes pax records, each prefixed by its own total length.
    static func paxData(_ records: [(key: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        for record in records {
            let body = " \(record.key)=\(record.value)\n"
            var length = body.utf8.count + 1
            while String(length).utf8.count + body.utf8.count != length { length += 1 }
            out += Array((String(length) + body).utf8)
        }
        return out
    }
}
