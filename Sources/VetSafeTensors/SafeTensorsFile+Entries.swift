import VetText
import VetCore

extension SafeTensorsFile {
    /// Reads tensor entries and metadata, then checks the byte ranges as a whole.
    mutating func readMembers(_ members: [JSONMember], dataSize: Int) {
        var seen: [String: Int] = [:]
        for member in members {
            let at = 8 + member.offset
            if let first = seen[member.key] {
                anomaly(.duplicateKey, "key `\(member.key)` appears twice (first at byte \(8 + first)); readers keep different copies", at: at)
            }
            seen[member.key] = member.offset
            if member.key == "__metadata__" {
                readMetadata(member, at: at)
            } else if let tensor = readTensor(member, at: at) {
                tensors.append(tensor)
            }
        }
        checkLayout(dataSize: dataSize)
    }

    private mutating func readMetadata(_ member: JSONMember, at offset: Int) {
        guard let entries = member.value.members else {
            return anomaly(.invalidMetadata, "`__metadata__` is a \(member.value.typeName), not an object of strings", at: offset)
        }
        metadata = entries
        var keys = Set<String>()
        for entry in entries {
            if !keys.insert(entry.key).inserted {
                anomaly(.duplicateKey, "metadata key `\(entry.key)` appears twice", at: 8 + entry.offset)
            }
            if entry.value.string == nil {
                anomaly(.invalidMetadata, "metadata `\(entry.key)` is a \(entry.value.typeName); the reference loader accepts strings only", at: 8 + entry.offset)
            }
        }
    }

    private mutating func readTensor(_ member: JSONMember, at offset: Int) -> Tensor? {
        let name = member.key
        guard let fields = member.value.members else {
            anomaly(.invalidTensor, "tensor `\(name)` is a \(member.value.typeName), not an object", at: offset)
            return nil
        }
        if let extra = fields.first(where: { !["dtype", "shape", "data_offsets"].contains($0.key) }) {
            anomaly(.invalidTensor, "tensor `\(name)` has an unexpected field `\(extra.key)`", at: 8 + extra.offset)
        }
        guard let dtype = member.value["dtype"]?.string else {
            anomaly(.invalidTensor, "tensor `\(name)` has no string dtype", at: offset)
            return nil
        }
        guard let bits = Self.dtypeBits[dtype] else {
            anomaly(.invalidTensor, "tensor `\(name)` has unknown dtype `\(dtype)`", at: offset)
            return nil
        }
        guard let dims = member.value["shape"]?.array, let shape = Optional(dims.compactMap(\.int)),
              shape.count == dims.count, shape.allSatisfy({ $0 >= 0 }) else {
            anomaly(.invalidTensor, "tensor `\(name)` shape is not a list of non-negative integers", at: offset)
            return nil
        }
        guard let offsets = member.value["data_offsets"]?.array, offsets.count == 2,
              let begin = offsets[0].int, let end = offsets[1].int, begin >= 0, begin <= end else {
            anomaly(.invalidTensor, "tensor `\(name)` data_offsets is not an ordered pair of non-negative integers", at: offset)
            return nil
        }
        var elements = 1
        for d in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow else {
                anomaly(.invalidTensor, "tensor `\(name)` shape \(shape) overflows", at: offset)
                return nil
            }
            elements = product
        }
        let (totalBits, overflow) = elements.multipliedReportingOverflow(by: bits)
        if overflow || totalBits % 8 != 0 || totalBits / 8 != end - begin {
            anomaly(.invalidTensor, "tensor `\(name)` is \(dtype) \(shape) but its byte range holds \(end - begin) bytes", at: offset)
        }
        return Tensor(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
    }

    /// Ranges must lie in the data region, must not overlap, and must cover it exactly.
    private mutating func checkLayout(dataSize: Int) {
        var cursor = 0
        for tensor in tensors.sorted(by: { ($0.dataRange.lowerBound, $0.dataRange.upperBound) < ($1.dataRange.lowerBound, $1.dataRange.upperBound) }) {
            let range = tensor.dataRange
            if range.upperBound > dataSize {
                anomaly(.invalidTensor, "tensor `\(tensor.name)` ends at data byte \(range.upperBound), past the end of the file (\(dataSize) data bytes)",
                        at: dataStart + min(range.lowerBound, dataSize))
                continue
            }
            if range.lowerBound < cursor {
                anomaly(.overlappingTensors, "tensor `\(tensor.name)` starts at data byte \(range.lowerBound), inside an earlier tensor (which ends at \(cursor))",
                        at: dataStart + range.lowerBound)
            } else if range.lowerBound > cursor {
                anomaly(.unaccountedData, "\(range.lowerBound - cursor) data byte(s) at \(cursor) belong to no tensor", at: dataStart + cursor)
                unaccountedRanges.append((dataStart + cursor)..<(dataStart + range.lowerBound))
            }
            cursor = max(cursor, range.upperBound)
        }
        if cursor < dataSize {
            anomaly(.unaccountedData, "\(dataSize - cursor) byte(s) after the last tensor belong to no tensor", at: dataStart + cursor)
            unaccountedRanges.append((dataStart + cursor)..<(dataStart + dataSize))
        }
    }
}
