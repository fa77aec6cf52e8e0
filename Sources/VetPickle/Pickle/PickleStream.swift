import VetBytes
import VetCore

/// Every pickle in one byte stream, and every byte of it accounted for or reported.
public struct PickleStream: Sendable {
    /// The pickles found, including pickles embedded in operands, in stream order; offsets are absolute.
    public var programs: [PickleProgram] = []
    /// Byte ranges no pickle, storage record or array payload explains.
    public var unaccounted: [Range<Int>] = []
    /// Raw tensor storage records of a legacy PyTorch file.
    public var storageBytes = 0
    /// Whether the stream is a legacy (pre-zip) PyTorch checkpoint.
    public var isTorchLegacy = false
    /// Stream-level irregularities (storage records that disagree with the pickles, limits).
    public var anomalies: [PickleAnomaly] = []

    /// An empty stream, for assembling results of format-specific walkers.
    public init() {}

    /// Reads every pickle in `source`.
    public static func read(_ source: ByteSource, limits: ScanLimits = ScanLimits()) -> PickleStream {
        var stream = PickleStream()
        stream.readStacked(source, limits: limits)
        return stream
    }

    private mutating func readStacked(_ source: ByteSource, limits: ScanLimits) {
        var offset = 0
        var topLevel: [PickleProgram] = []
        while offset < source.count {
            if topLevel.count >= limits.maxPicklesPerStream {
                anomalies.append(PickleAnomaly(kind: .resourceLimit, message: "more than \(limits.maxPicklesPerStream) stacked pickles; the rest was not analysed", offset: offset))
                unaccounted.append(offset..<source.count)
                return
            }
            let program = Self.runBothWays(source, from: offset, limits: limits)
            topLevel.append(program)
            add(program, source: source, limits: limits, depth: 0)
            guard program.completed else {
                // The loader stops here with an error; whatever follows is reported and searched.
                skipJunk(source, from: max(program.range.upperBound, offset + 1), limits: limits, next: &offset)
                continue
            }
            offset = program.range.upperBound
            if topLevel.count == 5, TorchLegacyStorages.isLegacy(topLevel) {
                isTorchLegacy = true
                let result = TorchLegacyStorages.account(source, from: offset, programs: topLevel)
                storageBytes += result.end - offset
                anomalies.append(contentsOf: result.anomalies)
                offset = result.end
            }
            if offset < source.count, !PickleSniffer.looksLikePickle(source, at: offset) {
                skipJunk(source, from: offset, limits: limits, next: &offset)
            }
        }
    }

    /// Runs the pickle the way joblib reads it and, wherever joblib's array framing applied (or
    /// could not be decided), the way plain `pickle.load` reads the same bytes too, so opcodes
    /// hidden behind a fake array, or behind a wrapper whose size is ambiguous, are not missed.
    static func runBothWays(_ source: ByteSource, from offset: Int, limits: ScanLimits) -> PickleProgram {
        var program = PickleMachine.run(source, from: offset, options: .init(limits: limits, joblibArrays: true))
        guard program.joblibWrappers > 0 || !program.arrayPayloads.isEmpty else { return program }
        let plain = PickleMachine.run(source, from: offset, options: .init(limits: limits, joblibArrays: false))
        program.absorb(plain, note: "seen only when the file is read by plain pickle rather than joblib")
        return program
    }

    /// Records `[from, next pickle)` as unaccounted and moves `next` to the next pickle header, or the end.
    private mutating func skipJunk(_ source: ByteSource, from start: Int, limits: ScanLimits, next: inout Int) {
        var search = start
        while search < source.count, let hit = source.firstIndex(of: [PickleOpcode.proto.rawValue], from: search) {
            if PickleSniffer.looksLikePickle(source, at: hit) {
                if hit > start { unaccounted.append(start..<hit) }
                next = hit
                return
            }
            search = hit + 1
        }
        if start < source.count { unaccounted.append(start..<source.count) }
        next = source.count
    }

    /// Adds a program and, recursively, the pickles embedded in its operands.
    private mutating func add(_ program: PickleProgram, source: ByteSource, limits: ScanLimits, depth: Int) {
        programs.append(program)
        guard depth < limits.maxNestedPickleDepth else {
            if !program.embeddedPickles.isEmpty {
                anomalies.append(PickleAnomaly(kind: .resourceLimit, message: "pickles nested in operands deeper than \(limits.maxNestedPickleDepth) levels were not analysed", offset: program.range.lowerBound))
            }
            return
        }
        for embedded in program.embeddedPickles {
            var inner = Self.runBothWays(embedded.bytes, from: 0, limits: limits).shifted(by: embedded.offset)
            let how = embedded.encoding.map { "\($0)-encoded " } ?? ""
            // An operand handed to a call at load time (`pickle.loads(b'…')`, `loads(b64decode('…'))`)
            // runs with the outer pickle; one that is only stored is a dormant second stage.
            let live = program.passesToCall(operandAt: embedded.offset)
            for index in inner.imports.indices {
                inner.imports[index].dormant = !live || inner.imports[index].dormant
                inner.imports[index].notes.append("inside a \(how)pickle embedded in an operand at 0x\(String(embedded.offset, radix: 16))")
            }
            add(inner, source: source, limits: limits, depth: depth + 1)
        }
    }
}

extension PickleStream {
    /// Moves every offset by `delta`, for streams read from a slice of a file.
    public mutating func shift(by delta: Int) {
        programs = programs.map { $0.shifted(by: delta) }
        unaccounted = unaccounted.map { ($0.lowerBound + delta)..<($0.upperBound + delta) }
        anomalies = anomalies.map { $0.shifted(by: delta) }
    }
}

extension PickleProgram {
    /// The same program with every offset moved by `delta` (for pickles read from a slice).
    public func shifted(by delta: Int) -> PickleProgram {
        var copy = self
        copy.range = (range.lowerBound + delta)..<(range.upperBound + delta)
        copy.imports = imports.map { imported in
            var i = imported
            i.offset += delta
            i.displayShift += delta
            return i
        }
        copy.calls = calls.map { var c = $0; c.offset += delta; return c }
        copy.extensions = extensions.map { ($0.code, $0.offset + delta) }
        copy.anomalies = anomalies.map { $0.shifted(by: delta) }
        copy.persistentIDs = persistentIDs.map { ($0.value, $0.offset + delta) }
        copy.embeddedPickles = embeddedPickles.map { EmbeddedPickle(offset: $0.offset + delta, bytes: $0.bytes, encoding: $0.encoding) }
        copy.arrayPayloads = arrayPayloads.map { ($0.lowerBound + delta)..<($0.upperBound + delta) }
        return copy
    }
}

extension PickleProgram {
    /// Adds what another reading of the same bytes found and this one did not: its imports (by
    /// offset), the calls on them (their arguments live in the other reading's heap, so they are
    /// unknown here and helpers that are safe only with safe arguments are not trusted through
    /// them) and its embedded pickles.
    mutating func absorb(_ other: PickleProgram, note: String) {
        var mapped: [Int] = []
        var byOffset: [Int: Int] = [:]
        for (index, imported) in imports.enumerated() { byOffset[imported.offset] = index }
        for imported in other.imports {
            if let known = byOffset[imported.offset] {
                mapped.append(known)
                continue
            }
            var noted = imported
            noted.notes.append(note)
            imports.append(noted)
            byOffset[imported.offset] = imports.count - 1
            mapped.append(imports.count - 1)
        }
        let seenCalls = Set(calls.map(\.offset))
        var opaque: PickleValue?
        for call in other.calls where !seenCalls.contains(call.offset) {
            var added = call
            added.importIndex = call.importIndex.map { mapped[$0] }
            if opaque == nil { opaque = heap.unknown("arguments of a call seen in another reading") }
            added.argumentValue = opaque ?? .none
            calls.append(added)
        }
        let seenEmbedded = Set(embeddedPickles.map(\.offset))
        embeddedPickles += other.embeddedPickles.filter { !seenEmbedded.contains($0.offset) }
        let seenExtensions = Set(extensions.map(\.offset))
        extensions += other.extensions.filter { !seenExtensions.contains($0.offset) }
    }
}

extension PickleProgram {
    /// Whether the constant read at `offset` is an argument of a call the pickle makes.
    func passesToCall(operandAt offset: Int) -> Bool {
        calls.contains { call in
            guard call.opcode != .build, let items = heap.tupleItems(call.argumentValue) else { return false }
            return items.contains { heap.sourceRange($0)?.contains(offset) ?? false }
        }
    }
}
