import Foundation
import VetBytes
import VetEngine
import VetGGUF
import VetSafeTensors
import VetText

/// Why a model's tensors cannot be read: a message for the user, naming the file.
public struct LineageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One tensor of a model, under its canonical name (llama.cpp's GGUF names: `token_embd.weight`,
/// `blk.3.attn_q.weight`, …) with its shape outermost first, as PyTorch writes it (rows, then
/// columns), whatever the format stores.
public struct TensorEntry: Sendable, Equatable {
    /// The canonical name.
    public var name: String
    /// The name in the file.
    public var stored: String
    /// Outermost first: [rows, columns] for a matrix.
    public var shape: [Int]
    /// The stored element type (`Q4_K`, `F16`, `BF16`, …).
    public var type: String
    public var elements: Int { shape.reduce(1, *) }
}

/// The tensors of one model file (or sharded folder), read one at a time as `Float` in the
/// canonical layout: the rows llama.cpp's converter permutes for RoPE (query and key of the
/// `llama` architecture) are put back in Hugging Face's order, so a GGUF and a safetensors export
/// of the same weights hold the same numbers at the same places. Nothing is executed; files are
/// memory-mapped and only the tensor being read is converted.
public protocol TensorStore: Sendable {
    /// `gguf` or `safetensors`.
    var format: String { get }
    /// The architecture the file declares (GGUF `general.architecture`, `config.json`'s
    /// `model_type`), if any.
    var architecture: String? { get }
    /// Every tensor, in file order.
    var entries: [TensorEntry] { get }
    /// Rows `rows` of the tensor (a tensor of one dimension is one row), row-major in the
    /// canonical layout. The file's pages for them are released from resident memory afterwards.
    func floats(_ entry: TensorEntry, rows: Range<Int>) throws -> [Float]
    /// Whether rows of this tensor can be read on their own (false when the canonical layout
    /// mixes rows across the stored ones, as undoing a RoPE permutation does within a head).
    func rowsStandAlone(_ entry: TensorEntry) -> Bool
}

extension TensorStore {
    /// The whole tensor.
    public func floats(_ entry: TensorEntry) throws -> [Float] { try floats(entry, rows: 0..<entry.rowCount) }
    public func rowsStandAlone(_ entry: TensorEntry) -> Bool { true }
}

extension TensorEntry {
    /// Elements per row (the innermost dimension).
    public var columns: Int { shape.last ?? 1 }
    /// Rows: every dimension but the innermost.
    public var rowCount: Int { columns == 0 ? 0 : elements / columns }
}

public enum TensorStores {
    /// Opens a GGUF file, a safetensors file, a PyTorch checkpoint (`torch.save`'s zip format, or
    /// the legacy format before it), or
    /// a folder holding safetensors (sharded with `model.safetensors.index.json`, or every
    /// `*.safetensors` in it).
    /// - Throws: `LineageError` naming the path for anything else, or a damaged file.
    public static func open(_ path: String) throws -> TensorStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LineageError("\(path): no such file or folder")
        }
        if isDirectory.boolValue { return try RawTensorStore(folder: path) }
        let source: ByteSource
        do { source = try ByteSource.mapFile(atPath: path) } catch {
            throw LineageError("\(path): cannot be read: \(error)")
        }
        if GGUFFile.sniff(source) { return try GGUFStore(path: path, source: source) }
        if SafeTensorsFile.sniff(source) { return try RawTensorStore(files: [(path, source)], folder: nil) }
        if let checkpoint = try PyTorchCheckpoint.open(path: path, source: source) { return checkpoint }
        throw LineageError("\(path) is not a GGUF, safetensors or PyTorch file (the formats lineage reads)")
    }

    /// Hugging Face names of the llama, mistral and qwen2 families to GGUF's (llama.cpp's
    /// converter's table for them); other names are kept as they are.
    public static func canonicalName(_ name: String) -> String {
        let fixed = ["model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
                     "lm_head.weight": "output.weight"]
        if let mapped = fixed[name] { return mapped }
        let prefix = "model.layers."
        guard name.hasPrefix(prefix) else { return name }
        let rest = name.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]) else { return name }
        let tail = String(rest[rest.index(after: dot)...])
        let parts: [(String, String)] = [
            ("input_layernorm.", "attn_norm."), ("post_attention_layernorm.", "ffn_norm."),
            ("self_attn.q_proj.", "attn_q."), ("self_attn.k_proj.", "attn_k."), ("self_attn.v_proj.", "attn_v."),
            ("self_attn.o_proj.", "attn_output."), ("self_attn.q_norm.", "attn_q_norm."), ("self_attn.k_norm.", "attn_k_norm."),
            ("mlp.gate_proj.", "ffn_gate."), ("mlp.up_proj.", "ffn_up."), ("mlp.down_proj.", "ffn_down."),
        ]
        for (hf, gguf) in parts where tail.hasPrefix(hf) {
            return "blk.\(layer)." + gguf + tail.dropFirst(hf.count)
        }
        return name
    }

    /// The layer a canonical name belongs to (`blk.N.`), or nil for the embeddings, the final norm
    /// and the output matrix.
    public static func layer(of name: String) -> Int? {
        guard name.hasPrefix("blk.") else { return nil }
        let rest = name.dropFirst(4)
        return rest.firstIndex(of: ".").flatMap { Int(rest[..<$0]) }
    }
}

/// A GGUF file's tensors, dequantised row by row with the engine's converters.
final class GGUFStore: TensorStore, @unchecked Sendable {
    let format = "gguf"
    let architecture: String?
    let entries: [TensorEntry]
    let path: String
    let source: ByteSource
    let file: GGUFFile
    let byName: [String: GGUFTensorInfo]
    /// Query and key heads, for undoing the converter's RoPE permutation (llama architecture only).
    let ropePermutation: (query: Int, key: Int)?

    init(path: String, source: ByteSource) throws {
        self.path = path
        self.source = source
        let file = GGUFFile.parse(source)
        guard file.headerComplete else {
            throw LineageError("\(path): the GGUF header is incomplete: " + (file.anomalies.first?.message ?? "truncated"))
        }
        if let bad = file.anomalies.first(where: { $0.kind != .unaccountedData }) {
            throw LineageError("\(path): the GGUF file is damaged or lies about its layout: \(bad.message)")
        }
        self.file = file
        let architecture = file.value("general.architecture")?.string
        self.architecture = architecture
        var entries: [TensorEntry] = [], byName: [String: GGUFTensorInfo] = [:]
        for info in file.tensors {
            guard let type = info.type else { throw LineageError("\(path): tensor \(info.name) has unknown type id \(info.typeID)") }
            let dims = info.dimensions.map { Int(exactly: $0) ?? -1 }
            guard !dims.isEmpty, dims.allSatisfy({ $0 > 0 }) else { throw LineageError("\(path): tensor \(info.name) has shape \(info.dimensions)") }
            entries.append(TensorEntry(name: info.name, stored: info.name, shape: dims.reversed(), type: "\(type)".uppercased()))
            byName[info.name] = info
        }
        self.entries = entries
        self.byName = byName
        if architecture == "llama", let a = architecture,
           let heads = file.value("\(a).attention.head_count")?.integer, heads > 0 {
            let kv = file.value("\(a).attention.head_count_kv")?.integer ?? heads
            ropePermutation = (heads, kv > 0 ? kv : heads)
        } else {
            ropePermutation = nil
        }
    }

    /// The heads of a permuted matrix, or nil when its rows are stored as they are.
    func permutedHeads(_ entry: TensorEntry) -> Int? {
        guard let heads = ropePermutation, entry.shape.count == 2 else { return nil }
        if entry.name.hasSuffix("attn_q.weight") { return heads.query }
        if entry.name.hasSuffix("attn_k.weight") { return heads.key }
        return nil
    }

    func rowsStandAlone(_ entry: TensorEntry) -> Bool { permutedHeads(entry) == nil }

    func floats(_ entry: TensorEntry, rows wanted: Range<Int>) throws -> [Float] {
        guard let info = byName[entry.stored], let type = info.type else { throw LineageError("\(path): no tensor \(entry.stored)") }
        guard Dequantize.supports(type) else {
            throw LineageError("\(path): tensor \(entry.stored) has type \(entry.type), which ModelVet cannot convert")
        }
        let columns = entry.columns, rows = entry.rowCount
        let heads = permutedHeads(entry)
        // A permuted matrix is read whole (its rows move within a head); the diff asks for it whole.
        let range = heads == nil ? wanted.clamped(to: 0..<rows) : 0..<rows
        let (perBlock, blockBytes) = type.block
        guard columns % perBlock == 0 else {
            throw LineageError("\(path): tensor \(entry.stored): rows of \(columns) are not whole \(entry.type) blocks of \(perBlock)")
        }
        let rowBytes = columns / perBlock * blockBytes
        let (total, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
        let start = file.dataStart + Int(clamping: info.offset)
        guard !overflow, start >= 0, start <= source.count, total <= source.count - start else {
            throw LineageError("\(path): tensor \(entry.stored) runs past the end of the file")
        }
        var values = [Float](repeating: 0, count: range.count * columns)
        source.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { out in
                for (k, r) in range.enumerated() {
                    Dequantize.row(type, raw.baseAddress! + start + r * rowBytes, count: columns, into: out.baseAddress! + k * columns)
                }
            }
        }
        source.releaseResidentPages(around: (start + range.lowerBound * rowBytes)..<(start + range.upperBound * rowBytes))
        if let heads { values = Self.unpermute(values, heads: heads, rows: rows, columns: columns) }
        return values
    }

    /// llama.cpp's converter writes, within each head of `d` rows, HF row `a·d/2 + i` at row
    /// `2i + a` (the two halves RoPE rotates together interleaved). This puts them back.
    static func unpermute(_ values: [Float], heads: Int, rows: Int, columns: Int) -> [Float] {
        guard heads > 0, rows % heads == 0, (rows / heads) % 2 == 0 else { return values }
        let d = rows / heads, half = d / 2
        var out = values
        for h in 0..<heads {
            for i in 0..<half {
                for a in 0..<2 {
                    let from = (h * d + 2 * i + a) * columns, to = (h * d + a * half + i) * columns
                    for c in 0..<columns { out[to + c] = values[from + c] }
                }
            }
        }
        return out
    }
}

/// Safetensors tensors (F32, F16, BF16, F64), from one file or the shards of a folder.
/// Tensors stored as raw little-endian F32, F16, BF16 or F64 in memory-mapped files: safetensors
/// (one file or a folder of shards) and PyTorch zip checkpoints (`PyTorchCheckpoint`).
final class RawTensorStore: TensorStore, @unchecked Sendable {
    typealias Location = (path: String, source: ByteSource, range: Range<Int>, dtype: String)
    let format: String
    let architecture: String?
    let entries: [TensorEntry]
    /// Per stored name: the file's source and the tensor's absolute byte range and dtype.
    let located: [String: Location]

    init(format: String, architecture: String?, entries: [TensorEntry], located: [String: Location]) {
        self.format = format
        self.architecture = architecture
        self.entries = entries
        self.located = located
    }

    convenience init(folder: String) throws {
        let fm = FileManager.default
        let index = (folder as NSString).appendingPathComponent("model.safetensors.index.json")
        var names: [String]
        if fm.fileExists(atPath: index) {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: index)) } catch { throw LineageError("\(index): cannot be read") }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],  // a parse failure is the error below
                  let map = object["weight_map"] as? [String: String] else {
                throw LineageError("\(index): not a safetensors index (no weight_map object)")
            }
            names = Array(Set(map.values)).sorted()
            if let bad = names.first(where: { $0.contains("/") || $0.contains("\\") || $0.hasPrefix(".") }) {
                throw LineageError("\(index): shard name '\(bad)' leaves the folder")
            }
        } else {
            let listed: [String]
            do { listed = try fm.contentsOfDirectory(atPath: folder) } catch { throw LineageError("\(folder): cannot be listed") }
            names = listed.filter { $0.hasSuffix(".safetensors") }.sorted()
        }
        guard !names.isEmpty else { throw LineageError("\(folder): no safetensors files (and no model.safetensors.index.json)") }
        var files: [(String, ByteSource)] = []
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            do { files.append((path, try ByteSource.mapFile(atPath: path))) } catch {
                throw LineageError("\(path): cannot be read (listed by the index)")
            }
        }
        try self.init(files: files, folder: folder)
    }

    convenience init(files: [(String, ByteSource)], folder: String?) throws {
        var entries: [TensorEntry] = []
        var located: [String: Location] = [:]
        for (path, source) in files {
            guard SafeTensorsFile.sniff(source) else { throw LineageError("\(path) is not a safetensors file") }
            let file: SafeTensorsFile
            do { file = try SafeTensorsFile.parse(source) } catch { throw LineageError("\(path): \(error)") }
            if let bad = file.anomalies.first(where: { $0.kind != .unaccountedData }) {
                throw LineageError("\(path): the safetensors header is damaged: \(bad.message)")
            }
            for t in file.tensors {
                guard located[t.name] == nil else { throw LineageError("\(path): tensor \(t.name) is in two shards") }
                let shape = t.shape.isEmpty ? [1] : t.shape
                entries.append(TensorEntry(name: TensorStores.canonicalName(t.name), stored: t.name, shape: shape, type: t.dtype))
                located[t.name] = (path, source, (file.dataStart + t.dataRange.lowerBound)..<(file.dataStart + t.dataRange.upperBound), t.dtype)
            }
        }
        self.init(format: "safetensors", architecture: folder.flatMap(Self.declaredArchitecture), entries: entries, located: located)
    }

    /// `model_type` from the folder's `config.json`, if it has one.
    static func declaredArchitecture(folder: String) -> String? {
        let config = (folder as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: config),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }  // no config: no architecture
        return object["model_type"] as? String
    }

    func floats(_ entry: TensorEntry, rows wanted: Range<Int>) throws -> [Float] {
        guard let at = located[entry.stored] else { throw LineageError("no tensor \(entry.stored)") }
        let width: Int
        switch at.dtype {
        case "F32": width = 4
        case "F16", "BF16": width = 2
        case "F64": width = 8
        default: throw LineageError("\(at.path): tensor \(entry.stored) has dtype \(at.dtype); lineage reads F32, F16, BF16 and F64 tensors")
        }
        guard at.range.count == entry.elements * width, at.range.upperBound <= at.source.count else {
            throw LineageError("\(at.path): tensor \(entry.stored) has \(at.range.count) bytes, not \(entry.elements) × \(width)")
        }
        let range = wanted.clamped(to: 0..<entry.rowCount)
        let first = range.lowerBound * entry.columns, n = range.count * entry.columns
        var values = [Float](repeating: 0, count: n)
        at.source.withUnsafeBytes { raw in
            let base = raw.baseAddress! + at.range.lowerBound + first * width
            values.withUnsafeMutableBufferPointer { out in
                switch (at.dtype, width) {
                case (_, 4):
                    for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                case (_, 8):
                    for i in 0..<n { out[i] = Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
                case ("BF16", _):
                    for i in 0..<n { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
                default:
                    for i in 0..<n { out[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
                }
            }
        }
        let bytes = (at.range.lowerBound + first * width)..<(at.range.lowerBound + (first + n) * width)
        at.source.releaseResidentPages(around: bytes)
        return values
    }
}
