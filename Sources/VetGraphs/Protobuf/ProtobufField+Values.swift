import VetBytes

extension ProtobufField {
    /// The payload of a length-delimited field, or `nil` for other wire types.
    public var bytes: ByteSource? {
        if case let .bytes(slice) = value { return slice }
        return nil
    }

    /// The value of a varint field as an unsigned integer, or `nil` for other wire types.
    public var uint64: UInt64? {
        if case let .varint(raw) = value { return raw }
        return nil
    }

    /// The value of a varint field as a two's-complement `int64`/`int32`/enum, or `nil`.
    public var int64: Int64? { uint64.map { Int64(bitPattern: $0) } }

    /// The payload decoded as UTF-8 (invalid sequences replaced), at most `limit` bytes of it.
    ///
    /// Returns `nil` for other wire types; `truncated` tells whether the payload was longer.
    public func string(limit: Int) -> (text: String, truncated: Bool)? {
        guard let slice = bytes else { return nil }
        let kept = slice.clampedSlice(from: 0, length: limit)
        let text = kept.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        return (text, slice.count > limit)
    }

    /// A reader over the payload as a nested message, or `nil` for other wire types.
    public var message: ProtobufReader? {
        bytes.map { ProtobufReader($0, baseOffset: payloadOffset) }
    }
}
