import Foundation
import VetGGUF

/// The tokenizer a GGUF file declares: GPT-2-style byte-level BPE (`gpt2`) with its
/// pre-tokenizer, or the SentencePiece-style `llama` tokenizer (scores, `▁` for spaces, byte
/// fallback). Special tokens (control and user-defined) are matched in text first.
public struct Tokenizer: Sendable {
    public enum Kind: Sendable { case bytePairs(PreTokenizer), sentencePiece }

    public let kind: Kind
    public let tokens: [String]
    let types: [Int]
    let scores: [Float]
    let ids: [String: Int]
    let mergeRanks: [String: Int]
    /// Control and user-defined tokens, longest first, for matching in text.
    let specials: [(text: String, id: Int)]
    public let bos: Int?
    public let eos: Int?
    /// Tokens that end a generation (EOS, EOT and the chat end markers the vocabulary has).
    public let endOfGeneration: Set<Int>
    public let addsBOS: Bool
    let addsSpacePrefix: Bool

    /// Whether a token is a control or user-defined token (a turn marker, BOS, EOS and the like),
    /// as opposed to text.
    public func isSpecial(_ id: Int) -> Bool {
        guard id >= 0, id < types.count else { return false }
        return types[id] == TokenType.control || types[id] == TokenType.userDefined
    }

    /// Token type ids of GGUF (`tokenizer.ggml.token_type`).
    enum TokenType { static let normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6 }

    /// Reads the tokenizer from GGUF metadata.
    /// - Throws: `EngineError` when the tokenizer model or pre-tokenizer is not implemented, or the
    ///   vocabulary is missing or inconsistent.
    public init(_ file: GGUFFile) throws {
        func strings(_ key: String) -> [String]? {
            guard case let .array(_, items)? = file.value(key) else { return nil }
            return items.compactMap(\.string)
        }
        guard let tokens = strings("tokenizer.ggml.tokens"), !tokens.isEmpty else {
            throw EngineError(.invalidModel, "tokenizer.ggml.tokens is missing")
        }
        let model = file.value("tokenizer.ggml.model")?.string ?? ""
        switch model {
        case "gpt2":
            let pre = file.value("tokenizer.ggml.pre")?.string
            guard let p = PreTokenizer.named(pre) else {
                throw EngineError(.unsupported, "pre-tokenizer `\(pre ?? "")` is not supported (supported: gpt2, smollm, starcoder, llama-bpe, qwen2 and their aliases)")
            }
            kind = .bytePairs(p)
        case "llama": kind = .sentencePiece
        default: throw EngineError(.unsupported, "tokenizer model `\(model)` is not supported (supported: gpt2, llama)")
        }
        var types = [Int](repeating: TokenType.normal, count: tokens.count)
        if case let .array(_, items)? = file.value("tokenizer.ggml.token_type") {
            guard items.count == tokens.count else { throw EngineError(.invalidModel, "token_type and tokens differ in length") }
            types = items.map { item in
                switch item {
                case let .int(v, _): Int(v)
                case let .uint(v, _): Int(v)
                default: TokenType.normal
                }
            }
        }
        var scores = [Float](repeating: 0, count: tokens.count)
        if case let .array(_, items)? = file.value("tokenizer.ggml.scores"), items.count == tokens.count {
            scores = items.map { if case let .float(v, _) = $0 { Float(v) } else { 0 } }
        }
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = i }
        var ranks: [String: Int] = [:]
        if let merges = strings("tokenizer.ggml.merges") {
            ranks.reserveCapacity(merges.count)
            for (i, m) in merges.enumerated() where ranks[m] == nil { ranks[m] = i }
        } else if case .bytePairs = kind {
            throw EngineError(.invalidModel, "a gpt2 tokenizer without tokenizer.ggml.merges")
        }
        func id(_ key: String) -> Int? {
            guard let v = file.value(key)?.integer, v < tokens.count else { return nil }
            return v
        }
        self.tokens = tokens
        self.types = types
        self.scores = scores
        self.ids = ids
        mergeRanks = ranks
        specials = tokens.enumerated()
            .filter { types[$0.offset] == TokenType.control || types[$0.offset] == TokenType.userDefined }
            .filter { !$0.element.isEmpty }
            .map { (text: $0.element, id: $0.offset) }
            .sorted { $0.text.utf8.count > $1.text.utf8.count || ($0.text.utf8.count == $1.text.utf8.count && $0.id < $1.id) }
        bos = id("tokenizer.ggml.bos_token_id")
        eos = id("tokenizer.ggml.eos_token_id")
        var end = Set([eos, id("tokenizer.ggml.eot_token_id"), id("tokenizer.ggml.eom_token_id")].compactMap { $0 })
        for marker in ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "</s>"] {
            if let i = ids[marker], types[i] == TokenType.control || types[i] == TokenType.userDefined { end.insert(i) }
        }
        endOfGeneration = end
        let isSentencePiece: Bool = if case .sentencePiece = kind { true } else { false }
        if case let .bool(b)? = file.value("tokenizer.ggml.add_bos_token") { addsBOS = b } else { addsBOS = isSentencePiece }
        if case let .bool(b)? = file.value("tokenizer.ggml.add_space_prefix") { addsSpacePrefix = b } else { addsSpacePrefix = isSentencePiece }
    }

    /// Token ids for `text`.
    /// - Parameters:
    ///   - addSpecial: prepend BOS when the model asks for it.
    ///   - parseSpecial: match control tokens such as `<|im_start|>` written in the text.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int] {
        var out: [Int] = []
        if addSpecial, addsBOS, let bos { out.append(bos) }
        var firstText = true
        for segment in partition(text, parseSpecial: parseSpecial) {
            switch segment {
            case let .special(id): out.append(id)
            case let .text(t):
                switch kind {
                case let .bytePairs(pre):
                    for word in pre.split(t) { out += bytePairs(word) }
                case .sentencePiece:
                    out += sentencePiece(t, prefixSpace: addsSpacePrefix && firstText)
                }
                firstText = false
            }
        }
        return out
    }

    enum Segment { case text(String), special(Int) }

    /// Splits `text` around special tokens (longest match first, as llama.cpp does).
    func partition(_ text: String, parseSpecial: Bool) -> [Segment] {
        let candidates = specials.filter { parseSpecial || types[$0.id] == TokenType.userDefined }
        guard !candidates.isEmpty else { return text.isEmpty ? [] : [.text(text)] }
        var segments: [Segment] = []
        var pending = Substring(text)
        var buffer = ""
        outer: while !pending.isEmpty {
            for special in candidates where pending.hasPrefix(special.text) {
                if !buffer.isEmpty { segments.append(.text(buffer)); buffer = "" }
                segments.append(.special(special.id))
                pending = pending.dropFirst(special.text.count)
                continue outer
            }
            buffer.append(pending.removeFirst())
        }
        if !buffer.isEmpty { segments.append(.text(buffer)) }
        return segments
    }

    /// Byte-level BPE of one pre-tokenized word.
    func bytePairs(_ word: String) -> [Int] {
        var symbols = Array(word.utf8).map { String(ByteUnicode.character(for: $0)) }
        if case .bytePairs(.llama3) = kind, let whole = ids[symbols.joined()] { return [whole] }
        // Lowest merge rank first.
        Self.merge(&symbols) { left, right in mergeRanks[left + " " + right].map { -Float($0) } }
        var out: [Int] = []
        for symbol in symbols {
            if let id = ids[symbol] { out.append(id); continue }
            // Not in the vocabulary: one token per byte.
            for scalar in symbol.unicodeScalars {
                if let b = ByteUnicode.byte(for: scalar), let id = ids[String(ByteUnicode.character(for: b))] { out.append(id) }
            }
        }
        return out
    }

    /// SentencePiece-style BPE: spaces become `▁`, pairs merge by highest score, unknown characters
    /// fall back to `<0xXX>` byte tokens.
    func sentencePiece(_ text: String, prefixSpace: Bool) -> [Int] {
        let prepared = ((prefixSpace ? " " : "") + text).replacingOccurrences(of: " ", with: "\u{2581}")
        var symbols = prepared.map { String($0) }
        // Highest-scoring merged piece first.
        Self.merge(&symbols) { left, right in ids[left + right].map { scores[$0] } }
        var out: [Int] = []
        for symbol in symbols {
            if let id = ids[symbol] { out.append(id); continue }
            for byte in symbol.utf8 {
                let name = "<0x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) + ">"
                if let id = ids[name] { out.append(id) } else if let unknown = types.firstIndex(of: TokenType.unknown) { out.append(unknown) }
            }
        }
        return out
    }

    /// Merges adjacent symbols while any pair has a priority, always the highest-priority pair and,
    /// among equals, the leftmost (both BPE flavours; llama.cpp's queue-based merge gives the same).
    static func merge(_ symbols: inout [String], priority: (String, String) -> Float?) {
        while symbols.count > 1 {
            var best: (priority: Float, index: Int)?
            for i in 0..<(symbols.count - 1) {
                if let p = priority(symbols[i], symbols[i + 1]), best == nil || p > best!.priority { best = (p, i) }
            }
            guard let best else { break }
            symbols[best.index] += symbols[best.index + 1]
            symbols.remove(at: best.index + 1)
        }
    }

    /// The bytes token `id` stands for; control tokens give their text only when `special` is set.
    public func bytes(of id: Int, special: Bool = false) -> [UInt8] {
        guard id >= 0, id < tokens.count else { return [] }
        let text = tokens[id], type = types[id]
        if type == TokenType.control || type == TokenType.unused { return special ? Array(text.utf8) : [] }
        if type == TokenType.userDefined { return Array(text.utf8) }
        switch kind {
        case .bytePairs:
            return text.unicodeScalars.map { ByteUnicode.byte(for: $0) ?? 0x3F }
        case .sentencePiece:
            if type == TokenType.byte, text.count == 6, let b = UInt8(text.dropFirst(3).dropLast(), radix: 16) { return [b] }
            return Array(text.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
        }
    }

    /// Text of `ids` (invalid UTF-8 is replaced).
    public func decode(_ ids: [Int], special: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids { bytes += self.bytes(of: id, special: special) }
        var text = String(decoding: bytes, as: UTF8.self)
        if case .sentencePiece = kind, addsSpacePrefix, text.hasPrefix(" "), ids.first != bos || ids.count > 1 {
            if ids.first.map({ types[$0] }) != TokenType.control { text.removeFirst() }
        }
        return text
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// GPT-2's reversible map from bytes to printable characters: printable latin-1 bytes stand for
/// themselves, the rest are shifted to U+0100 and up in byte order.
enum ByteUnicode {
    static let forward: [Character] = {
        var table = [Character](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Character(Unicode.Scalar(UInt32(b))!)
            } else {
                table[b] = Character(Unicode.Scalar(next)!)
                next += 1
            }
        }
        return table
    }()

    static let backward: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for b in 0..<256 { map[forward[b].unicodeScalars.first!.value] = UInt8(b) }
        return map
    }()

    static func character(for byte: UInt8) -> Character { forward[Int(byte)] }
    static func byte(for scalar: Unicode.Scalar) -> UInt8? { backward[scalar.value] }
}
