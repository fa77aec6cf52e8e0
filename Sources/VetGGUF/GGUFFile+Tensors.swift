extension GGUFFile {
    /// Checks each tensor's size, alignment and bounds, then the data section as a whole.
    mutating func checkTensors(fileSize: Int) {
        let dataSize = fileSize - dataStart
        var ranges: [(range: Range<Int>, name: String)] = []
        for index in tensors.indices {
            let tensor = tensors[index]
            let at = tensor.infoOffset
            guard let type = tensor.type else {
                anomaly(.unknownTensorType, "tensor `\(tensor.name)` has unknown ggml type \(tensor.typeID)", at: at)
                continue
            }
            guard !tensor.dimensions.isEmpty, tensor.dimensions.count <= 4 else {
                anomaly(.invalidTensor, "tensor `\(tensor.name)` has \(tensor.dimensions.count) dimensions (ggml allows 1 to 4)", at: at)
                continue
            }
            var elements = 1
            var overflow = false
            for d in tensor.dimensions {
                guard let dim = Int(exactly: d), dim > 0 else { overflow = true; break }
                let (p, o) = elements.multipliedReportingOverflow(by: dim)
                overflow = overflow || o
                elements = p
            }
            let block = type.block
            guard !overflow, let first = Int(exactly: tensor.dimensions[0]), first % block.elements == 0 else {
                anomaly(.invalidTensor, "tensor `\(tensor.name)` dimensions \(tensor.dimensions) are zero, overflow, or do not fit \(type) blocks of \(block.elements)", at: at)
                continue
            }
            let (bytes, o) = (elements / block.elements).multipliedReportingOverflow(by: block.bytes)
            guard !o, let start = Int(exactly: tensor.offset) else {
                anomaly(.invalidTensor, "tensor `\(tensor.name)` size or offset overflows", at: at)
                continue
            }
            tensors[index].byteCount = bytes
            if start % alignment != 0 {
                anomaly(.invalidTensor, "tensor `\(tensor.name)` offset \(start) is not a multiple of the alignment \(alignment)", at: at)
            }
            guard start <= dataSize, bytes <= dataSize - start else {
                anomaly(.invalidTensor, "tensor `\(tensor.name)` (\(bytes) bytes at data offset \(start)) runs past the end of the file", at: at)
                continue
            }
            ranges.append((start..<(start + bytes), tensor.name))
        }
        var cursor = 0
        for (range, name) in ranges.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            if range.lowerBound < cursor {
                anomaly(.overlappingTensors, "tensor `\(name)` starts inside an earlier tensor", at: dataStart + range.lowerBound)
            } else if range.lowerBound - cursor >= alignment {
                // Up to alignment - 1 bytes of padding between tensors are normal.
                anomaly(.unaccountedData, "\(range.lowerBound - cursor) byte(s) before tensor `\(name)` belong to no tensor", at: dataStart + cursor)
                unaccountedRanges.append((dataStart + cursor)..<(dataStart + range.lowerBound))
            }
            cursor = max(cursor, range.upperBound)
        }
        if dataSize - cursor >= alignment, !ranges.isEmpty || dataSize > 0 {
            anomaly(.unaccountedData, "\(dataSize - cursor) byte(s) after the last tensor belong to no tensor", at: dataStart + cursor)
            unaccountedRanges.append((dataStart + cursor)..<fileSize)
        }
    }
}
