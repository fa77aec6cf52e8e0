/// Decodes member names and judges whether extracting them could leave the target directory;
/// shared by the zip and tar readers.
public enum ArchiveNames {
    /// Decodes a zip name: UTF-8 when flagged (bit 11) or valid, otherwise IBM code page 437,
    /// the encoding APPNOTE prescribes for unflagged names.
    /// - Parameters:
    ///   - bytes: The stored name.
    ///   - utf8Flag: Whether general-purpose bit 11 is set.
    public static func decodeZipName(_ bytes: [UInt8], utf8Flag: Bool) -> String {
        if utf8Flag { return String(decoding: bytes, as: UTF8.self) }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if byte < 0x80 {
                scalars.append(Unicode.Scalar(byte))
            } else if let scalar = Unicode.Scalar(cp437High[Int(byte) - 0x80]) {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Decodes a tar name: UTF-8 when valid, otherwise Latin-1 byte for byte.
    /// - Parameter bytes: The stored name.
    public static func decodeTarName(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// Reasons why extracting a member called `raw` could write outside the target directory, or
    /// why readers would disagree about its name; empty when it is an ordinary relative path.
    /// - Parameter raw: The stored name bytes.
    public static func traversalProblems(_ raw: [UInt8]) -> [String] {
        var problems: [String] = []
        let slash = UInt8(ascii: "/"), backslash = UInt8(ascii: "\\")
        if raw.contains(0) {
            problems.append("contains a NUL byte (Python's zipfile and C extractors cut the name there)")
        }
        if raw.first == slash || raw.first == backslash {
            problems.append("is an absolute path")
        }
        if raw.count >= 2, raw[1] == UInt8(ascii: ":"), isASCIILetter(raw[0]) {
            problems.append("starts with a drive letter")
        }
        if raw.contains(backslash) {
            problems.append("contains a backslash, a path separator on Windows")
        }
        let components = raw.split(omittingEmptySubsequences: false) { $0 == slash || $0 == backslash }
        if components.contains(where: { $0.elementsEqual([0x2E, 0x2E]) }) {
            problems.append("has a '..' component")
        }
        return problems
    }

    /// Whether a link target `raw` points outside the directory the link sits in.
    /// - Parameter raw: The stored link target.
    public static func linkTargetEscapes(_ raw: [UInt8]) -> Bool {
        raw.first == UInt8(ascii: "/") || !traversalProblems(raw).isEmpty
    }

    /// Python's `os.path.normpath` for POSIX names: drops empty and `.` components, folds `..`,
    /// keeps a leading slash; tarfile compares member names this way.
    /// - Parameter name: A member name.
    public static func normalizedPath(_ name: String) -> String {
        let absolute = name.hasPrefix("/")
        var parts: [Substring] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == "..", absolute {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// Code points of CP437 bytes 0x80–0xFF.
    static let cp437High: [UInt32] = [
        0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
        0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
        0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
        0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
        0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
        0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
        0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
        0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
    ]
}
