import Foundation
import VetBytes
import VetGGUF
import VetSafeTensors
import VetText

/// What a model file or folder says about itself: GGUF metadata, `config.json`, the model card's
/// front matter, safetensors headers, and its licence files. Only metadata is read (GGUF and
/// safetensors headers, small text files); nothing is loaded or run. A source that cannot be read
/// is a note naming it, never silently skipped.
public struct ModelFacts: Sendable {
    /// A value and where it was read.
    public struct Sourced: Sendable, Hashable {
        public var value: String
        public var source: String
    }

    public var path: String
    public var name: String
    /// Every file's path relative to the folder ("." for a single-file model).
    public var files: [String] = []
    /// Weight formats found ("gguf", "safetensors", "pytorch", "onnx", "keras", "tensorflow", "numpy").
    public var formats: [String] = []
    public var architecture: String?
    public var parameters: Int?
    /// The quantisation or storage type: GGUF's file type (e.g. Q4_K_M), else the commonest tensor type.
    public var quantisation: String?
    /// Tensor storage types and how many tensors use each.
    public var tensorTypes: [String: Int] = [:]
    public var baseModels: [Sourced] = []
    public var datasets: [Sourced] = []
    public var languages: [String] = []
    public var task: String?
    public var organization: String?
    public var description: String?
    /// Licence values declared in metadata (GGUF `general.license`, the card's `license`, `license_name`).
    public var declaredLicences: [Sourced] = []
    /// Licence links declared in metadata.
    public var licenceLinks: [Sourced] = []
    /// Licence-like files and their text (LICENSE, LICENCE, COPYING, NOTICE, USE_POLICY).
    public var licenceFiles: [(path: String, text: String)] = []
    /// The model card (README.md) without its front matter, when there is one.
    public var card: String?
    /// Whether the card's front matter carries evaluation results (`model-index`).
    public var cardHasEvaluationResults = false
    /// Sources that could not be read, and why.
    public var notes: [String] = []

    /// Text files larger than this are not metadata.
    static let textLimit = 4 << 20

    /// Reads the facts of the model at `path` (a file or a folder).
    public static func read(_ path: String) -> ModelFacts {
        var facts = ModelFacts(path: path, name: URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent)
        let isFolder: Bool
        do {
            facts.files = try ModelHasher.names(path, ignoreGit: true)
            isFolder = facts.files != ["."]
        } catch {
            facts.notes.append("\(error)")
            return facts
        }
        let full: (String) -> String = { isFolder ? path + "/" + $0 : path }
        for name in facts.files {
            let base = (name == "." ? facts.name : String(name.split(separator: "/").last ?? "")).lowercased()
            let top = !name.contains("/")
            if base.hasSuffix(".gguf") {
                facts.readGGUF(full(name), label: name == "." ? facts.name : name)
            } else if base.hasSuffix(".safetensors") {
                facts.readSafeTensors(full(name), label: name)
            } else if base == "config.json" && top {
                facts.readConfig(full(name))
            } else if base == "readme.md" && top {
                facts.readCard(full(name))
            } else if top, Self.isLicenceFile(base) {
                if let text = facts.text(full(name), label: name) { facts.licenceFiles.append((name, text)) }
            }
            if let format = Self.weightFormat(base), !facts.formats.contains(format) { facts.formats.append(format) }
        }
        if facts.quantisation == nil, let commonest = facts.tensorTypes.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) {
            facts.quantisation = commonest.key
        }
        return facts
    }

    static func isLicenceFile(_ base: String) -> Bool {
        ["license", "licence", "copying", "notice", "use_policy", "license_agreement"].contains { base == $0 || base.hasPrefix($0 + ".") || base.hasPrefix($0 + "-") }
    }

    /// The weight format a file name suggests (names are hints; the scanner sniffs content).
    static func weightFormat(_ base: String) -> String? {
        let table: [(String, String)] = [
            (".gguf", "gguf"), (".safetensors", "safetensors"), (".bin", "pytorch"), (".pt", "pytorch"), (".pth", "pytorch"),
            (".ckpt", "pytorch"), (".onnx", "onnx"), (".keras", "keras"), (".h5", "keras"), (".pb", "tensorflow"),
            (".tflite", "tflite"), (".npy", "numpy"), (".npz", "numpy"), (".msgpack", "flax"), (".mlmodel", "coreml"),
        ]
        return table.first { base.hasSuffix($0.0) }?.1
    }

    mutating func text(_ path: String, label: String) -> String? {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
            guard data.count <= Self.textLimit else { notes.append("\(label): \(data.count) bytes, larger than a metadata file; not read"); return nil }
            guard let text = String(data: data, encoding: .utf8) else { notes.append("\(label): not UTF-8 text; not read"); return nil }
            return text
        } catch {
            notes.append("\(label): cannot be read (\((error as NSError).localizedDescription))")
            return nil
        }
    }

    mutating func add(_ list: WritableKeyPath<ModelFacts, [Sourced]>, _ value: String?, _ source: String) {
        guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return }
        if !self[keyPath: list].contains(where: { $0.value == value }) { self[keyPath: list].append(Sourced(value: value, source: source)) }
    }
}

extension ModelFacts {
    mutating func readGGUF(_ path: String, label: String) {
        let file: GGUFFile
        do { file = GGUFFile.parse(try ByteSource.mapFile(atPath: path)) } catch {
            notes.append("\(label): cannot be read (\(error))")
            return
        }
        guard file.headerComplete else { notes.append("\(label): the GGUF header is incomplete; its metadata is not used"); return }
        let source = "\(label) (GGUF metadata)"
        func string(_ key: String) -> String? { file.value(key)?.string }
        func strings(_ key: String) -> [String] {
            if case let .array(_, items)? = file.value(key) { return items.compactMap(\.string) }
            return string(key).map { [$0] } ?? []
        }
        architecture = architecture ?? string("general.architecture")
        organization = organization ?? string("general.organization") ?? string("general.author")
        description = description ?? string("general.description")
        if name.hasSuffix(".gguf"), let n = string("general.name") { name = n }
        add(\.declaredLicences, string("general.license"), source)
        add(\.declaredLicences, string("general.license.name"), source)
        add(\.licenceLinks, string("general.license.link"), source)
        for i in 0..<min(file.value("general.base_model.count")?.integer ?? 0, 64) {
            let org = string("general.base_model.\(i).organization")
            add(\.baseModels, string("general.base_model.\(i).repo_url") ?? string("general.base_model.\(i).name").map { n in org.map { "\($0)/\(n)" } ?? n }, source)
        }
        for i in 0..<min(file.value("general.dataset.count")?.integer ?? 0, 256) {
            add(\.datasets, string("general.dataset.\(i).repo_url") ?? string("general.dataset.\(i).name"), source)
        }
        for language in strings("general.languages") where !languages.contains(language) { languages.append(language) }
        if let fileType = file.value("general.file_type")?.integer { quantisation = quantisation ?? Self.ggufFileType(fileType) }
        var count = 0
        for tensor in file.tensors {
            tensorTypes[tensor.type.map { "\($0)" } ?? "type \(tensor.typeID)", default: 0] += 1
            count += tensor.dimensions.reduce(1) { Int(clamping: $0.multipliedReportingOverflow(by: Int(clamping: $1)).partialValue) }
        }
        parameters = (parameters ?? 0) + count
    }

    /// llama.cpp's `llama_ftype` names for `general.file_type`.
    static func ggufFileType(_ value: Int) -> String {
        let names: [Int: String] = [
            0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M",
            13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS",
            21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
            29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
        ]
        return names[value] ?? "file type \(value)"
    }

    mutating func readSafeTensors(_ path: String, label: String) {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.parse(try ByteSource.mapFile(atPath: path)) } catch {
            notes.append("\(label): the safetensors header cannot be read (\(error))")
            return
        }
        var count = 0
        for tensor in file.tensors {
            tensorTypes[tensor.dtype, default: 0] += 1
            count += tensor.shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        }
        parameters = (parameters ?? 0) + count
    }

    mutating func readConfig(_ path: String) {
        guard let text = text(path, label: "config.json") else { return }
        let config: JSONValue
        do { config = try JSONParser.parse(text) } catch {
            notes.append("config.json: not valid JSON (\(error))")
            return
        }
        let classes = config["architectures"]?.array?.compactMap(\.string) ?? []
        let type = config["model_type"]?.string
        if architecture == nil, !classes.isEmpty || type != nil {
            architecture = ([classes.joined(separator: ", ")].filter { !$0.isEmpty } + (type.map { ["(\($0))"] } ?? [])).joined(separator: " ")
        }
        if let base = config["_name_or_path"]?.string, base.contains("/"), !base.hasPrefix("/"), !base.hasPrefix(".") {
            add(\.baseModels, base, "config.json (_name_or_path)")
        }
        if quantisation == nil, let q = config["quantization_config"]?["quant_method"]?.string { quantisation = q }
    }

    mutating func readCard(_ path: String) {
        guard let text = text(path, label: "README.md") else { return }
        var body = Substring(text)
        if text.hasPrefix("---\n") || text.hasPrefix("---\r\n"), let end = text.range(of: "\n---", range: text.index(text.startIndex, offsetBy: 3)..<text.endIndex) {
            let yaml = String(text[text.index(text.startIndex, offsetBy: 4)..<end.lowerBound])
            body = text[end.upperBound...].drop { $0 != "\n" }
            do {
                let documents = try YAMLConfig.parse(yaml, maxDepth: 32, maxNodes: 100_000)
                if let front = documents.first { readFrontMatter(front) }
            } catch {
                notes.append("README.md: the front matter is not valid YAML (\(error)); its licence and datasets are not used")
            }
        }
        card = String(body)
    }

    mutating func readFrontMatter(_ front: JSONValue) {
        let source = "README.md front matter"
        func list(_ key: String) -> [String] { front[key]?.array?.compactMap(\.string) ?? front[key]?.string.map { [$0] } ?? [] }
        for value in list("license") { add(\.declaredLicences, value, source) }
        add(\.declaredLicences, front["license_name"]?.string, source)
        add(\.licenceLinks, front["license_link"]?.string, source)
        for value in list("base_model") { add(\.baseModels, value, source) }
        for value in list("datasets") { add(\.datasets, value, source) }
        for value in list("language") where !languages.contains(value) { languages.append(value) }
        task = task ?? front["pipeline_tag"]?.string
        cardHasEvaluationResults = cardHasEvaluationResults || front["model-index"] != nil
    }
}
