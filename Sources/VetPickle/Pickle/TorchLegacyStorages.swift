import VetBytes
import VetCore

/// The raw storage records that follow the pickles of a legacy (pre-1.6, non-zip) PyTorch file.
///
/// Layout: five pickles (magic number, protocol version, system info, the object, the sorted list
/// of storage keys), then for each key an 8-byte little-endian element count and the storage bytes.
/// Sizes come from the persistent ids `('storage', StorageType, key, location, numel, view)`.
enum TorchLegacyStorages {
    /// `0x1950a86a20f9469cfc6c` as LONG1 stores it.
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    static let elementSizes: [String: Int] = [
        "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "LongStorage": 8,
        "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1,
        "ComplexFloatStorage": 8, "ComplexDoubleStorage": 16, "QInt8Storage": 1, "QUInt8Storage": 1,
        "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1, "UntypedStorage": 1,
    ]

    /// Whether the first of `programs` is the legacy magic number.
    static func isLegacy(_ programs: [PickleProgram]) -> Bool {
        guard let first = programs.first, let result = first.result, let bytes = first.heap.bigIntBytes(result) else { return false }
        return bytes == magic
    }

    /// Walks the storage records after the fifth pickle; returns where they end and each storage's
    /// bytes (after its element count), by key.
    static func account(_ source: ByteSource, from start: Int, programs: [PickleProgram])
        -> (end: Int, anomalies: [PickleAnomaly], storages: [String: Range<Int>]) {
        var anomalies: [PickleAnomaly] = []
        var storages: [String: Range<Int>] = [:]
        let keysProgram = programs[4]
        guard let result = keysProgram.result, case .list = result, let keyList = keysProgram.heap.containerItems(result) else {
            anomalies.append(PickleAnomaly(kind: .inconsistentStack, message: "legacy PyTorch file without a storage key list", offset: start))
            return (start, anomalies, storages)
        }
        let declared = declaredStorages(programs[3])
        var reader = source.reader()
        guard (try? reader.seek(to: start)) != nil else { return (start, anomalies, storages) }
        for key in keyList {
            let recordStart = reader.offset
            guard let name = keysProgram.heap.string(key), let storage = declared[name] else {
                anomalies.append(PickleAnomaly(kind: .inconsistentStack, message: "storage key \(keysProgram.heap.summary(key)) has no matching persistent id", offset: recordStart))
                return (recordStart, anomalies, storages)
            }
            guard let raw = try? reader.i64le(), raw >= 0, let count = Int(exactly: raw),
                  case (let bytes, false) = count.multipliedReportingOverflow(by: storage.elementSize),
                  (try? reader.skip(bytes)) != nil else {
                anomalies.append(PickleAnomaly(kind: .oversizedOperand, message: "storage \(name) record runs past the end of the file", offset: recordStart))
                return (recordStart, anomalies, storages)
            }
            storages[name] = (reader.offset - bytes)..<reader.offset
            if let numel = storage.count, numel != count {
                anomalies.append(PickleAnomaly(kind: .inconsistentStack, message: "storage \(name) holds \(count) elements but its pickle declares \(numel)", offset: recordStart))
            }
        }
        return (reader.offset, anomalies, storages)
    }

    /// Storage key → element size and declared element count, from the object pickle's persistent ids.
    static func declaredStorages(_ program: PickleProgram) -> [String: (elementSize: Int, count: Int?)] {
        var result: [String: (Int, Int?)] = [:]
        let heap = program.heap
        for (value, _) in program.persistentIDs {
            guard let slice = heap.tupleItems(value), slice.count >= 5 else { continue }
            let fields = Array(slice)
            guard heap.string(fields[0]) == "storage", case let .global(index) = fields[1],
                  program.imports.indices.contains(index), let key = heap.string(fields[2]) else { continue }
            let typeName = program.imports[index].name.split(separator: ".").last.map(String.init) ?? ""
            // torch allocates a storage the first time its key appears; later ids reuse it.
            guard let size = elementSizes[typeName], result[key] == nil else { continue }
            result[key] = (size, heap.int(fields[4]))
        }
        return result
    }
}

/// A legacy (pre-1.6, non-zip) PyTorch checkpoint: the pickle of the saved object and where each
/// storage's raw bytes lie, read without running anything.
public struct TorchLegacyCheckpoint: Sendable {
    /// The object pickle (the fourth of the five).
    public var object: PickleProgram
    /// Storage key → its raw bytes in the file (after the record's element count).
    public var storages: [String: Range<Int>]

    /// Reads `source` as a legacy checkpoint: nil when its first pickle is not PyTorch's magic
    /// number; an error message when it is one but its pickles or storage records are damaged.
    public static func read(_ source: ByteSource, limits: ScanLimits = ScanLimits()) -> Result<TorchLegacyCheckpoint, TorchLegacyError>? {
        var programs: [PickleProgram] = []
        var offset = 0
        while programs.count < 5 {
            let program = PickleMachine.run(source, from: offset, options: .init(limits: limits, joblibArrays: false))
            programs.append(program)
            if programs.count == 1, !TorchLegacyStorages.isLegacy(programs) { return nil }
            guard program.completed else {
                let why = program.anomalies.first.map { ": \($0.message)" } ?? ""
                return .failure(TorchLegacyError(description: "pickle \(programs.count) of 5 does not run to its end\(why)"))
            }
            offset = program.range.upperBound
        }
        let accounted = TorchLegacyStorages.account(source, from: offset, programs: programs)
        if let problem = accounted.anomalies.first { return .failure(TorchLegacyError(description: problem.message)) }
        return .success(TorchLegacyCheckpoint(object: programs[3], storages: accounted.storages))
    }
}

/// Why a legacy PyTorch checkpoint cannot be read.
public struct TorchLegacyError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
