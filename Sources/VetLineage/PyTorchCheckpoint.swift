import Foundation
import VetArchives
import VetBytes
import VetCore
import VetPickle

/// A PyTorch zip checkpoint (`torch.save` since 1.6) as raw tensors, without unpickling anything.
///
/// The archive holds `<root>/data.pkl`, a pickle of the saved object, and each storage's bytes,
/// uncompressed, in `<root>/data/<key>`. The pickle is run on ModelVet's symbolic machine (which
/// records calls instead of making them), and the tensors are read off the values it leaves:
/// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` (or `_rebuild_tensor`, or
/// wrapped in `_rebuild_parameter`), where the storage is a persistent id
/// `('storage', torch.<Type>Storage, key, location, numel)`. A state dict is an `OrderedDict` filled by
/// SETITEMS; a checkpoint that wraps it (`{"state_dict": …}`, `{"model": …}`) is unwrapped, and
/// names of nested dictionaries are joined with dots.
///
/// Anything the reader cannot account for is an error naming the tensor, never a tensor left out:
/// a storage that is missing, compressed or too short, a non-contiguous layout, big-endian data.
enum PyTorchCheckpoint {
    /// Element types of the typed storages PyTorch pickles, by class name.
    static let storageTypes: [String: (dtype: String, width: Int)] = [
        "FloatStorage": ("F32", 4), "HalfStorage": ("F16", 2), "BFloat16Storage": ("BF16", 2), "DoubleStorage": ("F64", 8),
        "LongStorage": ("I64", 8), "IntStorage": ("I32", 4), "ShortStorage": ("I16", 2), "CharStorage": ("I8", 1),
        "ByteStorage": ("U8", 1), "BoolStorage": ("BOOL", 1),
    ]

    /// Why a storage cannot be read.
    struct StorageProblem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Whether `source` is a checkpoint this reads (a zip archive, or a legacy file's magic number).
    static func open(path: String, source: ByteSource) throws -> TensorStore? {
        if ZipArchive.sniff(source.prefixBytes(length: min(source.count, 4))) { return try openZip(path: path, source: source) }
        if let legacy = TorchLegacyCheckpoint.read(source) { return try openLegacy(path: path, source: source, checkpoint: legacy) }
        return nil
    }

    static func openZip(path: String, source: ByteSource) throws -> TensorStore {
        let limits = ScanLimits()
        let archive: ZipArchive
        do { archive = try ZipArchive.parse(source, limits: limits) } catch {
            throw LineageError("\(path): not a readable zip archive (\(error))")
        }
        let records = archive.entries.map(\.name).filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }
        guard let record = records.first else {
            throw LineageError("\(path): a zip archive without a PyTorch record (<name>/data.pkl); lineage reads PyTorch zip checkpoints")
        }
        guard Set(records).count == 1 else { throw LineageError("\(path): more than one PyTorch record (\(records.joined(separator: ", ")))") }
        let root = String(record.dropLast("/data.pkl".count))
        var budget = DecompressionBudget(limits: limits)
        func member(_ name: String) throws -> ByteSource? {
            guard let entry = archive.entryAsPyTorchReads(name) else { return nil }
            do { return try archive.contents(of: entry, budget: &budget, limits: limits) } catch {
                throw LineageError("\(path): member \(name) cannot be read (\(error))")
            }
        }
        if let order = try member(root + "/byteorder") {
            let text = String(decoding: order.prefixBytes(length: min(order.count, 16)), as: UTF8.self)
            guard text == "little" else { throw LineageError("\(path): byte order '\(text)'; lineage reads little-endian checkpoints") }
        }
        guard let pickle = try member(record) else { throw LineageError("\(path): \(record) cannot be found") }
        let program = PickleMachine.run(pickle)
        guard program.completed, let result = program.result else {
            let why = program.anomalies.first.map { ": \($0.message)" } ?? ""
            throw LineageError("\(path): \(record) does not run to its end on the symbolic machine\(why)")
        }
        return try store(path: path, source: source, program: program, result: result, what: record) { (key) throws(StorageProblem) -> Range<Int> in
            let name = root + "/data/" + key
            guard let entry = archive.entryAsPyTorchReads(name) else { throw StorageProblem("its storage \(name) is missing") }
            guard entry.method == 0 else { throw StorageProblem("its storage \(name) is compressed (method \(entry.method)); PyTorch stores them raw") }
            return entry.dataRange
        }
    }

    /// A legacy (pre-1.6) checkpoint: five pickles, then the storages' raw records.
    static func openLegacy(path: String, source: ByteSource, checkpoint: Result<TorchLegacyCheckpoint, TorchLegacyError>) throws -> TensorStore {
        let file: TorchLegacyCheckpoint
        switch checkpoint {
        case let .success(read): file = read
        case let .failure(error): throw LineageError("\(path): a legacy PyTorch checkpoint that cannot be read: \(error)")
        }
        guard let result = file.object.result else { throw LineageError("\(path): the legacy checkpoint's object pickle leaves no value") }
        return try store(path: path, source: source, program: file.object, result: result, what: "the checkpoint") { (key) throws(StorageProblem) -> Range<Int> in
            guard let range = file.storages[key] else { throw StorageProblem("its storage \(key) has no record") }
            return range
        }
    }

    private static func store(path: String, source: ByteSource, program: PickleProgram, result: PickleValue, what: String,
                              storage: @escaping (String) throws(StorageProblem) -> Range<Int>) throws -> TensorStore {
        var reader = Reader(path: path, source: source, program: program, storage: storage)
        try reader.collect(Reader.unwrapped(result, program.heap), prefix: "")
        guard !reader.entries.isEmpty else {
            throw LineageError("\(path): \(what) holds no tensors that lineage can read (\(program.heap.summary(result)))")
        }
        let folder = (path as NSString).deletingLastPathComponent
        return RawTensorStore(format: "pytorch", architecture: RawTensorStore.declaredArchitecture(folder: folder.isEmpty ? "." : folder),
                              entries: reader.entries, located: reader.located)
    }

    /// Walks the pickle's values for tensors.
    struct Reader {
        let path: String
        let source: ByteSource
        let program: PickleProgram
        /// A storage key's raw bytes in `source`.
        let storage: (String) throws(StorageProblem) -> Range<Int>
        var entries: [TensorEntry] = []
        var located: [String: RawTensorStore.Location] = [:]

        var heap: PickleHeap { program.heap }

        /// A checkpoint whose top level holds no tensors but one of the usual wrapping keys: the
        /// dictionary under it.
        static func unwrapped(_ value: PickleValue, _ heap: PickleHeap) -> PickleValue {
            guard let items = pairs(value, heap) else { return value }
            for key in ["state_dict", "model", "module", "model_state_dict"] {
                if let inner = items.first(where: { heap.string($0.key) == key })?.value, pairs(inner, heap) != nil {
                    return inner
                }
            }
            return value
        }

        /// The key-value pairs of a dict, or of an object filled by SETITEMS (an OrderedDict).
        static func pairs(_ value: PickleValue, _ heap: PickleHeap) -> [(key: PickleValue, value: PickleValue)]? {
            let flat: [PickleValue]
            switch value {
            case .dict: flat = heap.containerItems(value) ?? []
            case .object:
                guard let record = heap.object(value) else { return nil }
                flat = record.items  // empty for a call that is not a container (a tensor, say)
            default: return nil
            }
            return stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
        }

        static func calleeName(_ record: PickleObjectRecord, _ program: PickleProgram) -> String? {
            if case let .global(i) = record.callee, program.imports.indices.contains(i) { return program.imports[i].qualifiedName }
            return nil
        }

        mutating func collect(_ value: PickleValue, prefix: String) throws {
            guard let items = Self.pairs(value, heap) else { return }
            for (key, item) in items {
                guard let name = heap.string(key) else { continue }  // non-string keys hold no named tensors
                let full = prefix + name
                if let record = heap.object(item), let tensor = try tensor(record, name: full) {
                    let stored = full.hasPrefix("module.") ? String(full.dropFirst("module.".count)) : full
                    guard located[stored] == nil else { throw LineageError("\(path): tensor \(stored) appears twice") }
                    entries.append(TensorEntry(name: TensorStores.canonicalName(stored), stored: stored, shape: tensor.shape, type: tensor.dtype))
                    located[stored] = (path, source, tensor.range, tensor.dtype)
                } else {
                    try collect(item, prefix: full + ".")
                }
            }
        }

        /// The tensor a `_rebuild_tensor*` (or `_rebuild_parameter`) call makes, or nil when the call is something else.
        func tensor(_ record: PickleObjectRecord, name: String) throws -> (shape: [Int], dtype: String, range: Range<Int>)? {
            let callee = Self.calleeName(record, program) ?? ""
            let arguments = Array(heap.tupleItems(record.arguments) ?? [])
            if callee == "torch._utils._rebuild_parameter" || callee == "torch._utils._rebuild_parameter_with_state" {
                guard let inner = arguments.first.flatMap(heap.object) else { return nil }
                return try tensor(inner, name: name)
            }
            guard callee == "torch._utils._rebuild_tensor_v2" || callee == "torch._utils._rebuild_tensor" else { return nil }
            func fail(_ why: String) -> LineageError { LineageError("\(path): tensor \(name): \(why)") }
            guard arguments.count >= 4, let id = heap.persistentID(arguments[0]), let fields = heap.tupleItems(id).map(Array.init),
                  fields.count >= 5, heap.string(fields[0]) == "storage", case let .global(typeIndex) = fields[1],
                  let key = heap.string(fields[2]), let numel = heap.int(fields[4]) else {
                throw fail("its storage is not a ('storage', type, key, location, size) reference")
            }
            let typeName = program.imports[typeIndex].name
            guard let (dtype, width) = PyTorchCheckpoint.storageTypes[typeName] else { throw fail("storage type \(typeName) is not one lineage reads") }
            guard let offset = heap.int(arguments[1]), offset >= 0,
                  let shape = heap.tupleItems(arguments[2]).map({ $0.map { heap.int($0) ?? -1 } }),
                  let strides = heap.tupleItems(arguments[3]).map({ $0.map { heap.int($0) ?? -1 } }),
                  shape.count == strides.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("offset, size or stride is not a tuple of non-negative integers")
            }
            // Row-major and contiguous: stride[i] = product of the sizes after i (sizes of one may have any stride).
            var expected = 1
            for i in shape.indices.reversed() {
                if shape[i] != 1 && strides[i] != expected {
                    throw fail("stored non-contiguously (size \(shape), stride \(strides)); lineage reads contiguous tensors")
                }
                expected = expected.multipliedReportingOverflow(by: shape[i]).overflow ? Int.max : expected * shape[i]
            }
            let elements = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
            let bytes: Range<Int>
            do { bytes = try storage(key) } catch { throw fail(error.description) }
            guard bytes.upperBound <= source.count, numel <= bytes.count / width, elements <= numel, offset <= numel - elements else {
                throw fail("needs elements \(offset)..<\(offset + elements) of storage \(key), which holds \(bytes.count / width)")
            }
            let start = bytes.lowerBound + offset * width
            return (shape.isEmpty ? [1] : shape, dtype, start..<(start + elements * width))
        }
    }
}
