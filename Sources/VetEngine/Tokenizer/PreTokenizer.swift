/// Splits text into the words a byte-level BPE tokenizer merges within, following the regular
/// expressions the GPT-2, Llama 3 and Qwen2 tokenizers declare (written out as code, as llama.cpp
/// also does, rather than through a regex engine).
public enum PreTokenizer: String, Sendable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Every digit its own word first, then GPT-2 (SmolLM, StarCoder).
    case gpt2Digits
    /// `(?i:'s|…)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// As Llama 3 with single digits.
    case qwen2

    /// The pre-tokenizer for a GGUF `tokenizer.ggml.pre` value, or `nil` when not implemented.
    public static func named(_ name: String?) -> PreTokenizer? {
        switch name ?? "default" {
        case "gpt2", "default", "gpt-2", "phi-2", "jina-es", "jina-de", "olmo", "mpt": .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b": .gpt2Digits
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "tekken": .llama3
        case "qwen2", "deepseek-r1-qwen", "megrez": .qwen2
        default: nil
        }
    }

    /// The words of `text`, in order; concatenated they are `text`.
    public func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [Range<Int>] = [0..<scalars.count]
        if self == .gpt2Digits {
            pieces = pieces.flatMap { range -> [Range<Int>] in
                var out: [Range<Int>] = []
                var gapStart = range.lowerBound
                for i in range where Self.flags(scalars[i]).number {
                    if gapStart < i { out.append(gapStart..<i) }
                    out.append(i..<(i + 1))
                    gapStart = i + 1
                }
                if gapStart < range.upperBound { out.append(gapStart..<range.upperBound) }
                return out
            }
        }
        var words: [String] = []
        for piece in pieces {
            let ends = self == .gpt2 || self == .gpt2Digits ? Self.gpt2Words(scalars, piece) : Self.llama3Words(scalars, piece, maxDigits: self == .llama3 ? 3 : 1)
            var start = piece.lowerBound
            for end in ends {
                var s = String.UnicodeScalarView()
                s.append(contentsOf: scalars[start..<end])
                words.append(String(s))
                start = end
            }
        }
        return words
    }

    struct Flags {
        /// `defined` is false only past the end of the piece (llama.cpp's empty flags), not for
        /// unassigned code points.
        var letter = false, number = false, whitespace = false, defined = false
    }

    static let whitespace: Set<UInt32> = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
                                          0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]

    static func flags(_ scalar: Unicode.Scalar) -> Flags {
        var f = Flags()
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: f.letter = true
        case .decimalNumber, .letterNumber, .otherNumber: f.number = true
        default: break
        }
        f.defined = true
        f.whitespace = whitespace.contains(scalar.value)
        return f
    }

    /// End offsets of GPT-2 words inside `range`.
    static func gpt2Words(_ s: [Unicode.Scalar], _ range: Range<Int>) -> [Int] {
        var ends: [Int] = []
        func cpt(_ i: Int) -> UInt32? { range.contains(i) ? s[i].value : nil }
        func fl(_ i: Int) -> Flags { range.contains(i) ? flags(s[i]) : Flags() }
        var pos = range.lowerBound
        while pos < range.upperBound {
            let c = s[pos].value
            let f = flags(s[pos])
            if c == 0x27, pos + 1 < range.upperBound, let next = cpt(pos + 1) {
                if [0x73, 0x74, 0x6D, 0x64].contains(next) { pos += 2; ends.append(pos); continue }
                if pos + 2 < range.upperBound, let next2 = cpt(pos + 2),
                   (next == 0x72 && next2 == 0x65) || (next == 0x76 && next2 == 0x65) || (next == 0x6C && next2 == 0x6C) {
                    pos += 3; ends.append(pos); continue
                }
            }
            var f2 = c == 0x20 ? fl(pos + 1) : f
            if f2.letter || f2.number {
                let wantLetter = f2.letter
                if c == 0x20 { pos += 1 }
                while wantLetter ? f2.letter : f2.number { pos += 1; f2 = fl(pos) }
                ends.append(pos)
                continue
            }
            if !(f2.whitespace || f2.letter || f2.number) && f2.defined {
                if c == 0x20 { pos += 1 }
                while !(f2.whitespace || f2.letter || f2.number) && f2.defined { pos += 1; f2 = fl(pos) }
                ends.append(pos)
                continue
            }
            var spaces = 0
            while fl(pos + spaces).whitespace { spaces += 1 }
            if spaces > 1 && cpt(pos + spaces) != nil { pos += spaces - 1; ends.append(pos); continue }
            if spaces > 0 { pos += spaces; ends.append(pos); continue }
            pos += 1
            ends.append(pos)
        }
        return ends
    }

    /// End offsets of Llama 3 (or, with `maxDigits` 1, Qwen2) words inside `range`.
    static func llama3Words(_ s: [Unicode.Scalar], _ range: Range<Int>, maxDigits: Int) -> [Int] {
        var ends: [Int] = []
        func cpt(_ i: Int) -> UInt32? { range.contains(i) ? s[i].value : nil }
        func fl(_ i: Int) -> Flags { range.contains(i) ? flags(s[i]) : Flags() }
        func lower(_ v: UInt32?) -> UInt32? { v.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 } }
        var pos = range.lowerBound
        while pos < range.upperBound {
            let c = s[pos].value
            let f = flags(s[pos])
            if c == 0x27, pos + 1 < range.upperBound, let next = lower(cpt(pos + 1)) {
                if [0x73, 0x74, 0x6D, 0x64].contains(next) { pos += 2; ends.append(pos); continue }
                if pos + 2 < range.upperBound, let next2 = lower(cpt(pos + 2)),
                   (next == 0x72 && next2 == 0x65) || (next == 0x76 && next2 == 0x65) || (next == 0x6C && next2 == 0x6C) {
                    pos += 3; ends.append(pos); continue
                }
            }
            if !(c == 0x0D || c == 0x0A || f.number), f.letter || fl(pos + 1).letter {
                pos += 1
                while fl(pos).letter { pos += 1 }
                ends.append(pos)
                continue
            }
            if f.number {
                var start = pos
                while fl(pos).number {
                    pos += 1
                    if pos - start >= maxDigits { ends.append(pos); start = pos }
                }
                if ends.last != pos { ends.append(pos) }
                continue
            }
            var f2 = c == 0x20 ? fl(pos + 1) : f
            if !(f2.whitespace || f2.letter || f2.number) && f.defined {
                if c == 0x20 { pos += 1 }
                while !(f2.whitespace || f2.letter || f2.number) && f2.defined { pos += 1; f2 = fl(pos) }
                while let c2 = cpt(pos), c2 == 0x0D || c2 == 0x0A { pos += 1 }
                ends.append(pos)
                continue
            }
            var spaces = 0, lastNewline = 0
            while fl(pos + spaces).whitespace {
                if let c2 = cpt(pos + spaces), c2 == 0x0D || c2 == 0x0A { lastNewline = pos + spaces + 1 }
                spaces += 1
            }
            if lastNewline > 0 { pos = lastNewline; ends.append(pos); continue }
            if spaces > 1 && cpt(pos + spaces) != nil { pos += spaces - 1; ends.append(pos); continue }
            if spaces > 0 { pos += spaces; ends.append(pos); continue }
            pos += 1
            ends.append(pos)
        }
        return ends
    }
}
