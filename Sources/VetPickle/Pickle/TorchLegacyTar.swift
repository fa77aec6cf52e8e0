import VetBytes
import VetCore

/// The oldest PyTorch checkpoint format: a tar with members `sys_info`, `pickle`, `tensors` and
/// `storages`. The last two interleave small pickles with raw records:
///
/// - `storages`: a pickle of the count; per storage a pickle `(key, location, StorageType)`, an
///   8-byte element count and the raw elements; finally a pickle listing views.
/// - `tensors`: a pickle of the count; per tensor a pickle `(key, storage_key, TensorType)`, then
///   a 4-byte dimension count n, 4 unused bytes, n sizes, n strides and the storage offset (8 bytes each).
public enum TorchLegacyTar {
    /// What walking an interleaved member found.
    public struct Layout: Sendable {
        /// Every pickle in the member, with offsets relative to the member.
        public var programs: [PickleProgram] = []
        /// Irregularities in the raw records.
        public var anomalies: [PickleAnomaly] = []
        /// Bytes no record explains.
        public var unaccounted: [Range<Int>] = []
    }

    /// Whether a tar's member names are those of a legacy PyTorch checkpoint.
    public static func isLegacy(memberNames: [String]) -> Bool {
        let names = Set(memberNames)
        return names.contains("pickle") && names.contains("storages") && names.contains("tensors")
    }

    /// Walks the `storages` member.
    public static func readStorages(_ data: ByteSource, limits: ScanLimits) -> Layout {
        walk(data, limits: limits, trailingPickle: true) { reader, record in
            // torch unpacks the record as `key, location, storage_type` and sizes elements by the
            // third item's dtype, whatever else the pickle imported on the way.
            guard let result = record.result, let items = record.heap.tupleItems(result), items.count == 3,
                  case let .global(index) = items[items.startIndex + 2], record.imports.indices.contains(index) else {
                return "storage record is not a (key, location, storage type) tuple"
            }
            let typeName = record.imports[index].name.split(separator: ".").last.map(String.init) ?? ""
            guard let size = TorchLegacyStorages.elementSizes[typeName] else {
                return "storage record names no known storage type"
            }
            guard let raw = try? reader.i64le(), raw >= 0, let count = Int(exactly: raw),
                  case (let bytes, false) = count.multipliedReportingOverflow(by: size), (try? reader.skip(bytes)) != nil else {
                return "storage data runs past the end of the member"
            }
            return nil
        }
    }

    /// Walks the `tensors` member.
    public static func readTensors(_ data: ByteSource, limits: ScanLimits) -> Layout {
        walk(data, limits: limits, trailingPickle: false) { reader, _ in
            guard let dims = try? reader.i32le(), dims >= 0, dims <= 64,
                  (try? reader.skip(4 + 16 * Int(dims) + 8)) != nil else {
                return "tensor record has an impossible dimension count or is cut off"
            }
            return nil
        }
    }

    /// Reads a count pickle, then `count` × (record pickle + raw record), then optionally one more pickle.
    private static func walk(_ data: ByteSource, limits: ScanLimits, trailingPickle: Bool,
                             raw: (inout ByteReader, PickleProgram) -> String?) -> Layout {
        var layout = Layout()
        var reader = data.reader()
        func pickle() -> PickleProgram? {
            let program = PickleMachine.run(data, from: reader.offset, options: .init(limits: limits, joblibArrays: false))
            layout.programs.append(program)
            guard program.completed, (try? reader.seek(to: program.range.upperBound)) != nil else { return nil }
            return program
        }
        guard let countProgram = pickle(), let result = countProgram.result, let count = countProgram.heap.int(result), count >= 0 else {
            layout.anomalies.append(PickleAnomaly(kind: .inconsistentStack, message: "legacy record count is missing", offset: 0))
            return finish(layout, from: reader.offset, data.count)
        }
        if count > limits.maxEntries {
            layout.anomalies.append(PickleAnomaly(kind: .resourceLimit, message: "legacy member declares \(count) records; only \(limits.maxEntries) are read", offset: 0))
        }
        for _ in 0..<min(count, limits.maxEntries) {
            let start = reader.offset
            guard let record = pickle() else { return finish(layout, from: reader.offset, data.count) }
            if let problem = raw(&reader, record) {
                layout.anomalies.append(PickleAnomaly(kind: .oversizedOperand, message: problem, offset: start))
                return finish(layout, from: start, data.count)
            }
        }
        if trailingPickle, !reader.isAtEnd { _ = pickle() }
        return finish(layout, from: reader.offset, data.count)
    }

    private static func finish(_ layout: Layout, from offset: Int, _ end: Int) -> Layout {
        var copy = layout
        if offset < end { copy.unaccounted.append(offset..<end) }
        return copy
    }
}
