/// Splits a template into data, tags and expression tokens the way Jinja2's default
/// environment does, applying whitespace control (`-`, `+`, `trim_blocks`, `lstrip_blocks`).
struct JinjaLexer {
    /// What the environment would do with whitespace around block tags.
    struct Options: Sendable {
        /// Drop the first newline after a block or comment tag (Hugging Face sets this).
        var trimBlocks = true
        /// Drop spaces and tabs before a block or comment tag at the start of a line.
        var lstripBlocks = true
    }

    /// What to strip from the start of the next data run.
    enum LeadingStrip { case none, newline, all }

    let bytes: [UInt8]
    let options: Options
    var index = 0
    var tokens: [JinjaToken] = []
    var lineStarts: [Int] = [0]
    var leadingStrip = LeadingStrip.none

    init(_ source: String, options: Options = Options()) {
        bytes = Array(source.utf8)
        self.options = options
        for (offset, byte) in bytes.enumerated() where byte == 0x0A { lineStarts.append(offset + 1) }
    }

    /// The line and column of a byte offset.
    func position(_ offset: Int) -> JinjaPosition {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return JinjaPosition(offset: offset, line: low + 1, column: offset - lineStarts[low] + 1)
    }

    func byte(_ at: Int) -> UInt8? { at < bytes.count ? bytes[at] : nil }

    func starts(with text: String, at offset: Int) -> Bool {
        var cursor = offset
        for unit in text.utf8 {
            guard byte(cursor) == unit else { return false }
            cursor += 1
        }
        return true
    }

    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    /// Tokenizes the whole template.
    mutating func tokenize() throws(JinjaError) -> [JinjaToken] {
        while index < bytes.count {
            let tagStart = nextTagStart(from: index)
            emitData(index..<tagStart)
            index = tagStart
            guard tagStart < bytes.count else { break }
            try lexTag()
        }
        tokens.append(JinjaToken(kind: .end, position: position(bytes.count)))
        return tokens
    }

    func nextTagStart(from offset: Int) -> Int {
        var cursor = offset
        while cursor + 1 < bytes.count {
            if bytes[cursor] == 0x7B, let next = byte(cursor + 1), next == 0x7B || next == 0x25 || next == 0x23 {
                return cursor
            }
            cursor += 1
        }
        return bytes.count
    }

    /// Emits template data, applying the strip requested by the previous tag.
    mutating func emitData(_ range: Range<Int>) {
        var start = range.lowerBound
        switch leadingStrip {
        case .none: break
        case .newline:
            if byte(start) == 0x0D, byte(start + 1) == 0x0A, start + 1 < range.upperBound { start += 2 }
            else if start < range.upperBound, byte(start) == 0x0A { start += 1 }
        case .all:
            while start < range.upperBound, isSpace(bytes[start]) { start += 1 }
        }
        leadingStrip = .none
        guard start < range.upperBound else { return }
        tokens.append(JinjaToken(kind: .data(text(start..<range.upperBound)), position: position(start)))
    }

    /// Removes trailing whitespace from the last data token: all of it for `-`, or the
    /// indentation before a block tag under `lstrip_blocks`.
    mutating func stripPrecedingData(all: Bool) {
        guard let last = tokens.last, case .data(let value) = last.kind else { return }
        var utf8 = Array(value.utf8)
        if all {
            while let tail = utf8.last, isSpace(tail) { utf8.removeLast() }
        } else {
            var cut = utf8.count
            while cut > 0, utf8[cut - 1] == 0x20 || utf8[cut - 1] == 0x09 { cut -= 1 }
            // Only indentation: the tag must be first on its line.
            guard cut == 0 ? lineStartsAt(last.position.offset) : utf8[cut - 1] == 0x0A
            else { return }
            utf8.removeSubrange(cut...)
        }
        tokens.removeLast()
        if !utf8.isEmpty {
            tokens.append(JinjaToken(kind: .data(String(decoding: utf8, as: UTF8.self)), position: last.position))
        }
    }

    func lineStartsAt(_ offset: Int) -> Bool { offset == 0 || byte(offset - 1) == 0x0A }

    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B }

    /// Lexes one `{{ }}`, `{% %}` or `{# #}` starting at `index`.
    mutating func lexTag() throws(JinjaError) {
        let start = index
        let kindByte = bytes[start + 1]
        let modifier = byte(start + 2)
        let isBlockLike = kindByte != 0x7B
        if modifier == 0x2D {
            stripPrecedingData(all: true)
        } else if isBlockLike, options.lstripBlocks, modifier != 0x2B {
            stripPrecedingData(all: false)
        }
        index = start + 2 + ((modifier == 0x2D || modifier == 0x2B) ? 1 : 0)
        switch kindByte {
        case 0x23: try lexComment(start: start)
        case 0x25:
            if try lexRawIfPresent(start: start) { return }
            tokens.append(JinjaToken(kind: .blockBegin, position: position(start)))
            try lexExpressionTokens(closing: 0x25, endKind: .blockEnd)
        default:
            tokens.append(JinjaToken(kind: .variableBegin, position: position(start)))
            try lexExpressionTokens(closing: 0x7D, endKind: .variableEnd)
        }
    }

    /// Records what the closing marker at `index` (`-` or `+` already consumed into `modifier`)
    /// asks of the next data run.
    mutating func afterClose(modifier: UInt8?, blockLike: Bool) {
        if modifier == 0x2D { leadingStrip = .all }
        else if blockLike, options.trimBlocks, modifier != 0x2B { leadingStrip = .newline }
        else { leadingStrip = .none }
    }

    mutating func lexComment(start: Int) throws(JinjaError) {
        var cursor = index
        while cursor + 1 < bytes.count, !(bytes[cursor] == 0x23 && bytes[cursor + 1] == 0x7D) { cursor += 1 }
        guard cursor + 1 < bytes.count else {
            throw JinjaError(.lexical, at: position(start), "comment is never closed with '#}'")
        }
        var bodyEnd = cursor
        var modifier: UInt8?
        if cursor > index, bytes[cursor - 1] == 0x2D || bytes[cursor - 1] == 0x2B {
            modifier = bytes[cursor - 1]
            bodyEnd = cursor - 1
        }
        tokens.append(JinjaToken(kind: .comment(text(index..<max(index, bodyEnd))), position: position(start)))
        index = cursor + 2
        afterClose(modifier: modifier, blockLike: true)
    }
}
