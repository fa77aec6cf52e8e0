import VetBytes
import VetCore
import VetFormats
import VetRules

/// Scans one top-level file: identifies each artifact by content, runs its rules and recurses into
/// containers within the limits. All state is per file, so files scan in parallel.
struct ArtifactScanner {
    var context: RuleContext
    var sink = FindingSink()
    var coverage: [CoverageEntry] = []
    var budget: DecompressionBudget

    init(context: RuleContext) {
        self.context = context
        budget = DecompressionBudget(limits: context.limits)
    }

    var limits: ScanLimits { context.limits }

    /// Scans `source` found at `location`; `name` is its file or member name (a hint only).
    mutating func scan(_ source: ByteSource, at location: Location, name: String, depth: Int) {
        let format = FormatSniffer.identify(source, name: name)
        switch format {
        case .empty:
            cover(location, "empty", .scanned, size: 0)
        case .text:
            scanText(source, at: location, name: name)
        case .pickle:
            scanPickle(source, at: location)
            if ZipSniff.hasEndRecord(source) {
                // A pickle/zip polyglot: torch.load reads it as a pickle, zipfile as an archive. Scan both views.
                scanZip(source, at: location, depth: depth)
            }
        case .numpy:
            scanNumpy(source, at: location)
        case .safetensors:
            scanSafeTensors(source, at: location, depth: depth)
        case .gguf:
            scanGGUF(source, at: location, depth: depth)
        case .onnx:
            ONNXRules.check(ONNXModel.parse(source, limits: ProtobufLimits(limits)), at: location, into: &sink)
            cover(location, "onnx", .scanned, size: source.count)
        case .tensorflow:
            let kind: TensorFlowGraph.Kind = TensorFlowGraph.looksLikeSavedModel(source) ? .savedModel : .graphDef
            TensorFlowRules.check(TensorFlowGraph.parse(source, as: kind, limits: ProtobufLimits(limits)), at: location, into: &sink)
            cover(location, kind == .savedModel ? "tensorflow-savedmodel" : "tensorflow-graphdef", .scanned, size: source.count)
        case .hdf5:
            let outcome = KerasRules.checkHDF5(source, at: location, limits: limits, into: &sink)
            let reasons = outcome.partialReasons
            cover(location, "hdf5", reasons.isEmpty ? .scanned : .partial,
                  reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "), size: source.count)
        case .tflite:
            TFLiteRules.check(TFLiteModel.parse(source, maxElements: TFLiteRules.maxElements(limits)), at: location, into: &sink)
            cover(location, "tflite", .scanned, size: source.count)
        case .zip:
            scanZip(source, at: location, depth: depth)
        case .tar:
            scanTar(source, at: location, depth: depth)
        case .gzip, .zlib, .xz, .lzma, .bzip2:
            scanCompressed(source, format: format, at: location, name: name, depth: depth)
        case .unknown where PickleMachine.run(source, options: .init(limits: limits)).imports.contains(where: \.hasIdentifierNames):
            // Fail closed: content no sniffer recognised is still run through the pickle machine,
            // and treated as a pickle when a loader reading it as one would import something.
            scanPickle(source, at: location)
        default:
            unscanned(source, format: format, at: location)
        }
    }

    mutating func cover(_ location: Location, _ format: String, _ status: CoverageStatus, reason: String? = nil, size: Int) {
        coverage.append(CoverageEntry(location: location, format: format, status: status, reason: reason, size: size))
    }

    /// Text: Python code is analysed, JSON configs are checked for remote code, the rest is recorded.
    mutating func scanText(_ source: ByteSource, at location: Location, name: String) {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        let lower = base.lowercased()
        if lower.hasSuffix(".py") {
            let text = source.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            PythonCodeRules.check(text, at: location, into: &sink)
            return cover(location, "python", .scanned, size: source.count)
        }
        if lower.hasSuffix(".jinja") || lower.hasSuffix(".j2") {
            let text = source.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            JinjaRules.check(text, at: location, into: &sink)
            return cover(location, "chat-template", .scanned, size: source.count)
        }
        if lower.hasSuffix(".json"), let json = try? JSONParser.parse(source, maxDepth: 256) {
            RemoteCodeRule.check(json, at: location, into: &sink)
            checkChatTemplates(in: json, at: location)
            return cover(location, "json", .scanned, size: source.count)
        }
        cover(location, "text", .scanned, size: source.count)
    }

    /// `chat_template` in a tokenizer config: a string, or a list of `{"name", "template"}` variants.
    mutating func checkChatTemplates(in json: JSONValue, at location: Location) {
        guard let value = json["chat_template"] else { return }
        if let template = value.string {
            JinjaRules.check(template, at: location.member("chat_template"), into: &sink)
        }
        for variant in value.array ?? [] {
            guard let template = variant["template"]?.string else { continue }
            let name = variant["name"]?.string ?? "unnamed"
            JinjaRules.check(template, at: location.member("chat_template[\(name)]"), into: &sink)
        }
    }

    /// Records a recognised or unknown format this release does not analyse.
    mutating func unscanned(_ source: ByteSource, format: DetectedFormat, at location: Location) {
        let reason: String
        let severity: Severity
        switch format {
        case .lz4, .zstd:
            reason = "\(format.rawValue)-compressed data cannot be decompressed by this build; its contents (possibly a pickle) were not examined"
            severity = .medium
        case .sevenZip, .rar:
            reason = "\(format.rawValue) archives cannot be opened by this build; their members were not examined"
            severity = .high
        default:
            reason = "content of unknown type"
            severity = .low
        }
        cover(location, format.rawValue, .unscanned, reason: reason, size: source.count)
        sink.report(UnscannedContentRule.descriptor, reason, at: location, severity: severity)
    }

    /// Runs the pickle machine over a whole stream and the pickle rules over the result.
    mutating func scanPickle(_ source: ByteSource, at location: Location, format: String? = nil) {
        let stream = PickleStream.read(source, limits: limits)
        PickleRules.check(stream, at: location, context: context, into: &sink)
        let limited = stream.programs.contains { $0.anomalies.contains { $0.kind == .resourceLimit } }
            || stream.anomalies.contains { $0.kind == .resourceLimit }
        let name = format ?? (stream.isTorchLegacy ? "pytorch-legacy"
            : stream.programs.contains { !$0.arrayPayloads.isEmpty } ? "joblib" : "pickle")
        cover(location, name, limited ? .partial : .scanned,
              reason: limited ? "a resource limit stopped the analysis early" : nil, size: source.count)
    }

    /// `.npy`: header checks, then the embedded pickle of object arrays.
    mutating func scanNumpy(_ source: ByteSource, at location: Location) {
        let file: NpyFile
        do { file = try NpyFile.parse(source) } catch {
            sink.report(NumpyHeaderRule.descriptor, "invalid .npy header: \(error)", at: location.at(0))
            cover(location, "numpy", .partial, reason: "header could not be parsed", size: source.count)
            return
        }
        NumpyHeaderRule.check(file, size: source.count, at: location, into: &sink)
        guard let dtype = file.dtype, dtype.isObject, let data = try? source.slice(file.dataOffset..<source.count) else {
            cover(location, "numpy", .scanned, size: source.count)
            return
        }
        sink.report(NumpyObjectArrayRule.descriptor, "object array: loading it needs allow_pickle=True and unpickles its data",
                    at: location.at(file.dataOffset))
        var stream = PickleStream.read(data, limits: limits)
        stream.shift(by: file.dataOffset)
        PickleRules.check(stream, at: location, context: context, into: &sink)
        cover(location, "numpy-object", .scanned, size: source.count)
    }

    /// safetensors: header checks; bytes outside every tensor are scanned as content of their own.
    mutating func scanSafeTensors(_ source: ByteSource, at location: Location, depth: Int) {
        guard let file = try? SafeTensorsFile.parse(source) else {
            sink.report(SafeTensorsHeaderRule.descriptor, "file is shorter than the 8-byte header length", at: location)
            return cover(location, "safetensors", .partial, reason: "truncated header", size: source.count)
        }
        SafeTensorsRules.check(file, at: location, into: &sink)
        cover(location, "safetensors", .scanned, size: source.count)
        guard depth < limits.maxDepth else { return }
        for range in file.unaccountedRanges {
            guard let hidden = try? source.slice(range) else { continue }
            scan(hidden, at: location.member("<unaccounted@0x\(String(range.lowerBound, radix: 16))>"), name: "", depth: depth + 1)
        }
    }

    /// GGUF: header and tensor checks; bytes outside every tensor are scanned as content of their own.
    mutating func scanGGUF(_ source: ByteSource, at location: Location, depth: Int) {
        let file = GGUFFile.parse(source)
        GGUFRules.check(file, at: location, into: &sink)
        // `tokenizer.chat_template` and its named variants `tokenizer.chat_template.NAME`
        // (`tokenizer.chat_templates` is the list of those names).
        for entry in file.metadata where entry.key == "tokenizer.chat_template" || entry.key.hasPrefix("tokenizer.chat_template.") {
            guard let template = entry.value.string else {
                sink.report(GGUFMalformedRule.descriptor, "\(entry.key) is not a string", at: location.at(entry.offset))
                continue
            }
            JinjaRules.check(template, at: location.member(entry.key), into: &sink)
        }
        if !file.headerComplete {
            cover(location, "gguf", .partial, reason: "header could not be read to its end", size: source.count)
        } else {
            cover(location, "gguf", .scanned, size: source.count)
        }
        guard depth < limits.maxDepth else { return }
        for range in file.unaccountedRanges {
            guard let hidden = try? source.slice(range) else { continue }
            scan(hidden, at: location.member("<unaccounted@0x\(String(range.lowerBound, radix: 16))>"), name: "", depth: depth + 1)
        }
    }

    /// gzip or zlib streams (joblib's compressed files): decompress within the budget and rescan.
    mutating func scanCompressed(_ source: ByteSource, format: DetectedFormat, at location: Location, name: String, depth: Int) {
        guard depth < limits.maxDepth else {
            tooDeep(source, format: format.rawValue, at: location)
            return
        }
        do {
            let limit = min(budget.remaining, limits.maxInMemoryMember)
            let inflated: ByteSource
            switch format {
            case .xz: inflated = try StreamDecompressor.decompress(source, format: .xz, limit: limit)
            case .lzma: inflated = try StreamDecompressor.decompress(source, format: .lzmaAlone, limit: limit)
            case .bzip2: inflated = try StreamDecompressor.decompress(source, format: .bzip2, limit: limit)
            default: inflated = try Inflater.inflate(source, format: format == .gzip ? .gzip : .zlib, limit: limit)
            }
            try budget.charge(inflated.count)
            cover(location, format.rawValue, .scanned, size: source.count)
            var inner = name
            for suffix in [".gz", ".xz", ".bz2", ".lzma", ".tgz"] where inner.hasSuffix(suffix) { inner = String(inner.dropLast(suffix.count)) }
            if name.hasSuffix(".tgz") { inner += ".tar" }
            scan(inflated, at: location.member("<\(format.rawValue)>"), name: inner, depth: depth + 1)
        } catch where error.isLimitExceeded {
            sink.report(CompressedBombRule.descriptor, "\(format.rawValue) stream expands beyond the decompression budget: \(error)", at: location)
            cover(location, format.rawValue, .partial, reason: "decompression stopped at the budget", size: source.count)
        } catch {
            sink.report(CompressedMalformedRule.descriptor, "\(format.rawValue) stream could not be decompressed: \(error)", at: location)
            cover(location, format.rawValue, .unscanned, reason: "corrupt compressed stream", size: source.count)
        }
    }

    mutating func tooDeep(_ source: ByteSource, format: String, at location: Location) {
        sink.report(NestingDepthRule.descriptor, "containers nest deeper than \(limits.maxDepth) levels; this one was not opened", at: location)
        cover(location, format, .unscanned, reason: "nesting limit reached", size: source.count)
    }
}
