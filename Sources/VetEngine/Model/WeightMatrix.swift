import VetBytes
import VetGGUF

/// A weight tensor in the memory-mapped file: `rows` rows of `columns` elements of `type`,
/// each row a whole number of blocks. Nothing is copied; pages are read as the kernels touch them.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    /// Bytes per row.
    let rowBytes: Int
    /// Start of the data; kept alive by `source`.
    let base: UnsafeRawPointer
    let source: ByteSource
    /// The rows repacked for batched decoding (`PackedRows`), built on first use; nil for types
    /// without a packed kernel.
    let packing: Packing?

    /// Validates `info` against the file and wraps its data.
    /// - Throws: `EngineError` for an unsupported type, a shape that is not a matrix of whole blocks,
    ///   or data outside the file.
    init(_ info: GGUFTensorInfo, file: GGUFFile, source: ByteSource, expectColumns: Int, expectRows: Int?) throws {
        guard let type = info.type else {
            throw EngineError(.unsupported, "tensor \(info.name) has unknown type id \(info.typeID)")
        }
        guard Dequantize.supports(type) else {
            let supported = GGMLType.allCases.filter(Dequantize.supports).map { "\($0)".uppercased() }
            throw EngineError(.unsupported, "tensor \(info.name) has type \(type), which the engine does not run "
                              + "(supported: \(supported.joined(separator: ", ")))")
        }
        let dims = info.dimensions.map { Int(exactly: $0) ?? -1 }
        guard (1...2).contains(dims.count), dims.allSatisfy({ $0 > 0 }) else {
            throw EngineError(.invalidModel, "tensor \(info.name) has shape \(info.dimensions)")
        }
        let columns = dims[0], rows = dims.count == 2 ? dims[1] : 1
        guard columns == expectColumns, expectRows == nil || rows == expectRows else {
            throw EngineError(.invalidModel, "tensor \(info.name) has shape \(info.dimensions), expected [\(expectColumns), \(expectRows.map(String.init) ?? "any")]")
        }
        let (perBlock, blockBytes) = type.block
        guard columns % perBlock == 0 else {
            throw EngineError(.invalidModel, "tensor \(info.name): rows of \(columns) are not whole \(type) blocks of \(perBlock)")
        }
        let rowBytes = columns / perBlock * blockBytes
        let (total, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
        guard !overflow, let offset = Int(exactly: info.offset), case let (start, false) = file.dataStart.addingReportingOverflow(offset),
              start >= 0, start <= source.count, total <= source.count - start else {
            throw EngineError(.invalidModel, "tensor \(info.name) lies outside the file")
        }
        guard let data = try? source.slice(start..<(start + total)),
              let pointer = data.withUnsafeBytes({ $0.baseAddress }) else {
            throw EngineError(.invalidModel, "tensor \(info.name) has no data")
        }
        name = info.name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
        base = pointer
        self.source = data
        packing = PackedRows.packs(type) ? Packing() : nil
    }

    /// Rows `range` of this matrix as a matrix of their own (the same bytes, nothing copied).
    func rows(_ range: Range<Int>) -> WeightMatrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "row range outside the matrix")
        return WeightMatrix(name: "\(name)[\(range.lowerBound)..<\(range.upperBound)]", type: type, rows: range.count, columns: columns,
                            rowBytes: rowBytes, base: base + range.lowerBound * rowBytes, source: source)
    }

    private init(name: String, type: GGMLType, rows: Int, columns: Int, rowBytes: Int, base: UnsafeRawPointer, source: ByteSource) {
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
        self.base = base
        self.source = source
        packing = PackedRows.packs(type) ? Packing() : nil
    }

    /// The activation layout this matrix's dot product wants.
    var activationLayout: QuantizedVector.Layout { QuantizedVector.layout(for: type) }

    /// Row `row` converted to floats.
    func row(_ row: Int, into output: UnsafeMutablePointer<Float>) {
        Dequantize.row(type, base + row * rowBytes, count: columns, into: output)
    }

    /// `output[t * rows + r] = row r · vectors[t]` for every row and vector, rows split over the
    /// pool's threads; each weight row is read once for all vectors (batched prompts).
    /// - Precondition: every vector was quantised with `activationLayout` from `columns` values.
    /// - Parameter packed: use the packed rows (`PackedRows`) where this type has them: batched
    ///   decoding, where they are faster and each vector's result does not depend on the batch.
    ///   Prompts keep the row kernels, which round as ggml's do.
    func multiply(_ vectors: ArraySlice<QuantizedVector>, into output: UnsafeMutablePointer<Float>, pool: WorkerPool,
                  packed: Bool = false) {
        let type = self.type, columns = self.columns, rowBytes = self.rowBytes, rows = self.rows
        let base = SendableRaw(self.base), output = SendablePointer(output)
        var first = 0
        // The vectors stay alive (and unchanged) until the pool returns.
        if packed, let packing, rows >= 8 {
            let packedRows = packing.rows { PackedRows(base: self.base, rows: rows, columns: columns, rowBytes: rowBytes, pool: pool) }
            let batch = VectorBatch(vectors.map(\.view), type: type, count: columns, everyVector: true)
            pool.forEachChunk(packedRows.groups, grain: 1) { range in
                for g in range {
                    let start = packedRows.group(g)
                    for group in batch.groups {
                        let out = output.pointer + group.start * rows + 8 * g
                        switch group.size {
                        case 8: PackedRows.dots8(start, blocks: packedRows.blocks, group.vectors, into: out, stride: rows)
                        case 4: PackedRows.dots4(start, blocks: packedRows.blocks, group.vectors, into: out, stride: rows)
                        default: PackedRows.dots1(start, blocks: packedRows.blocks, group.vectors, into: out, stride: rows)
                        }
                    }
                }
            }
            first = packedRows.groups * 8
            guard first < rows else { return withExtendedLifetime(vectors) {} }
        }
        let batch = VectorBatch(vectors.map(\.view), type: type, count: columns), rest = first
        pool.forEachChunk(rows - rest) { range in
            for r in (range.lowerBound + rest)..<(range.upperBound + rest) {
                DotProduct.dots(type, base.pointer + r * rowBytes, batch, count: columns, into: output.pointer + r, stride: rows)
            }
        }
        withExtendedLifetime(vectors) {}
    }
}

/// A pointer handed to worker threads that write disjoint elements.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

/// The weights' base address, read-only and kept alive by the matrix during the call.
struct SendableRaw: @unchecked Sendable {
    let pointer: UnsafeRawPointer
    init(_ pointer: UnsafeRawPointer) { self.pointer = pointer }
}

