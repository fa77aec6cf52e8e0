import Foundation

/// BERT's uncased WordPiece tokenizer, as `vocab.txt` and the basic tokenizer define it: text is
/// cleaned (NUL, U+FFFD and control characters dropped, white space made spaces), CJK ideographs
/// are spaced out, words are split on white space, lower-cased, stripped of accents (NFD, then
/// nonspacing marks removed) and split at every punctuation character; each word is then covered
/// greedily by the longest vocabulary pieces (continuations spelled `##…`), and a word that cannot
/// be covered, or is over 100 characters, becomes `[UNK]`.
///
/// `scripts/minilm.py` is the reference; a test checks the two produce the same ids.
public struct WordPieceTokenizer: Sendable {
    let ids: [String: Int32]
    public let classToken: Int32
    public let separatorToken: Int32
    public let unknownToken: Int32
    /// The number of tokens: ids run from 0 to one less.
    public let vocabularySize: Int

    static let maxWordCharacters = 100

    /// - Parameter vocabulary: `vocab.txt`, one token per line (LF or CRLF), the line number its id.
    ///   Two lines that are the same token (as Swift compares strings: canonically equivalent) are
    ///   an error, so every id names one token.
    public init(vocabulary text: String) throws {
        var ids: [String: Int32] = [:]
        // Split on the scalar: "\r\n" is one Character, which a split on Character "\n" would not see.
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard lines.count < Int(Int32.max) else { throw EngineError(.invalidModel, "the vocabulary has \(lines.count) lines") }
        for (index, line) in lines.enumerated() {
            let token = String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line))
            if let first = ids[token] {
                throw EngineError(.invalidModel, "the vocabulary's lines \(first + 1) and \(index + 1) are the same token")
            }
            ids[token] = Int32(index)
        }
        vocabularySize = lines.count
        func special(_ name: String) throws -> Int32 {
            guard let id = ids[name] else { throw EngineError(.invalidModel, "the vocabulary has no \(name) token") }
            return id
        }
        self.ids = ids
        classToken = try special("[CLS]")
        separatorToken = try special("[SEP]")
        unknownToken = try special("[UNK]")
    }

    /// `[CLS]`, the first `maxTokens - 2` pieces of `text`, `[SEP]`.
    public func encode(_ text: String, maxTokens: Int) -> [Int32] {
        let budget = max(0, maxTokens - 2)
        var out: [Int32] = [classToken]
        out.reserveCapacity(maxTokens)
        Self.forEachWord(text) { word in
            guard out.count - 1 < budget else { return false }
            for id in pieces(word) where out.count - 1 < budget { out.append(id) }
            return out.count - 1 < budget
        }
        out.append(separatorToken)
        return out
    }

    /// The WordPiece ids of one basic word.
    func pieces(_ word: [Unicode.Scalar]) -> [Int32] {
        if word.count > Self.maxWordCharacters { return [unknownToken] }
        var out: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var piece = start == 0 ? "" : "##"
                piece.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = ids[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknownToken] }
            out.append(id)
            start = end
        }
        return out
    }

    /// Calls `body` with each basic word of `text` in order until it returns false.
    static func forEachWord(_ text: String, _ body: ([Unicode.Scalar]) -> Bool) {
        var token = String.UnicodeScalarView()
        // Returns false when `body` asked to stop.
        func flushToken() -> Bool {
            defer { token = String.UnicodeScalarView() }
            guard !token.isEmpty else { return true }
            let folded = lowercased(token).decomposedStringWithCanonicalMapping
            var word: [Unicode.Scalar] = []
            for scalar in folded.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
                if isPunctuation(scalar) {
                    if !word.isEmpty, !body(word) { return false }
                    word.removeAll(keepingCapacity: true)
                    if !body([scalar]) { return false }
                } else {
                    word.append(scalar)
                }
            }
            return word.isEmpty || body(word)
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let category = scalar.properties.generalCategory
            if v == 9 || v == 10 || v == 13 || v == 32 || category == .spaceSeparator {
                guard flushToken() else { return }
            } else if v == 0 || v == 0xFFFD || isOther(category) {
                continue
            } else if isCJK(v) {
                guard flushToken() else { return }
                token.append(scalar)
                guard flushToken() else { return }
            } else {
                token.append(scalar)
            }
        }
        _ = flushToken()
    }

    /// Unicode's full lower-casing, with the one context rule Swift's `lowercased()` leaves out:
    /// a capital sigma after a cased letter and not before one becomes the final sigma ς (Python's
    /// `str.lower()` and the reference tokenizers apply it). Case-ignorable characters in between
    /// are skipped, as the rule says.
    static func lowercased(_ word: String.UnicodeScalarView) -> String {
        guard word.contains("\u{3A3}") else { return String(word).lowercased() }
        let scalars = Array(word)
        var out = ""
        for (i, scalar) in scalars.enumerated() {
            guard scalar == "\u{3A3}" else {
                out += String(scalar).lowercased()
                continue
            }
            func cased(_ range: some Sequence<Int>) -> Bool {
                for j in range where !scalars[j].properties.isCaseIgnorable { return scalars[j].properties.isCased }
                return false
            }
            out += cased((0..<i).reversed()) && !cased((i + 1)..<scalars.count) ? "\u{3C2}" : "\u{3C3}"
        }
        return out
    }

    static func isOther(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
