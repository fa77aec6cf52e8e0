/// Writes minimal HDF5 files for tests and rule examples: a version-0 superblock and a root group
/// whose version-1 object header holds fixed-length string attributes (the layout older h5py and
/// Keras releases write for `model_config`). The root has no children.
public struct HDF5Builder: Sendable {
    var attributes: [(name: String, value: [UInt8])] = []
    var loopingContinuation = false
    var userBlock = 0

    /// Creates a builder with no attributes.
    public init() {}

    /// Adds a scalar fixed-length string attribute to the root group.
    public func attribute(_ name: String, string value: String) -> HDF5Builder {
        var copy = self
        copy.attributes.append((name, Array(value.utf8)))
        return copy
    }

    /// Adds a continuation message that points back at the header's own messages (a cycle).
    public func loopingContinuation(_ enabled: Bool = true) -> HDF5Builder {
        var copy = self
        copy.loopingContinuation = enabled
        return copy
    }

    /// Places the superblock after a user block of `size` bytes (512, 1024, …).
    public func userBlock(_ size: Int) -> HDF5Builder {
        var copy = self
        copy.userBlock = size
        return copy
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        let headerStart = 96, messagesStart = 112
        var messages: [UInt8] = []
        var count = 0
        for (name, value) in attributes {
            messages += Self.message(type: 0x000C, body: Self.attributeBody(name: name, value: value))
            count += 1
        }
        if loopingContinuation {
            messages += Self.message(type: 0x0010, body: Self.le(UInt64(messagesStart), 8) + Self.le(UInt64(8), 8))
            count += 1
        }
        let end = messagesStart + messages.count
        var out = [UInt8](repeating: 0, count: userBlock)
        out += [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0, 8, 8, 0]
        out += Self.le(4, 2) + Self.le(16, 2) + Self.le(0, 4)
        out += Self.le(0, 8) + Self.le(UInt64.max, 8) + Self.le(UInt64(userBlock + end), 8) + Self.le(UInt64.max, 8)
        out += Self.le(0, 8) + Self.le(UInt64(headerStart), 8) + Self.le(0, 4) + Self.le(0, 4) + [UInt8](repeating: 0, count: 16)
        out += [1, 0] + Self.le(UInt64(count), 2) + Self.le(1, 4) + Self.le(UInt64(messages.count), 4) + Self.le(0, 4)
        return out + messages
    }

    static func attributeBody(name: String, value: [UInt8]) -> [UInt8] {
        let nameBytes = Array(name.utf8) + [0]
        let datatype: [UInt8] = [0x13, 0x01, 0, 0] + le(UInt64(value.count), 4)
        let dataspace: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0]
        return [1, 0] + le(UInt64(nameBytes.count), 2) + le(8, 2) + le(8, 2) + padded(nameBytes) + datatype + dataspace + value
    }

    static func message(type: UInt16, body: [UInt8]) -> [UInt8] {
        let body = padded(body)
        return le(UInt64(type), 2) + le(UInt64(body.count), 2) + [0, 0, 0, 0] + body
    }

    static func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (8 - bytes.count % 8) % 8)
    }

    static func le(_ value: UInt64, _ size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
