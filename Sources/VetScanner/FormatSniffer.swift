import VetBytes
import VetFormats

/// A file format identified from content (with the file name only as a tie-breaker).
public enum DetectedFormat: String, Sendable, Codable, CaseIterable {
    case empty, text, pickle, zip, tar, gzip, zlib, bzip2, xz, lzma, lz4, zstd, sevenZip = "7z", rar
    case numpy, safetensors, gguf, hdf5, onnx, tensorflow, tflite, unknown

    /// Whether this scanner can analyse the format (the rest are listed as unscanned in coverage).
    public var isScannable: Bool {
        switch self {
        case .empty, .text, .pickle, .zip, .tar, .gzip, .zlib, .xz, .lzma, .bzip2, .numpy, .safetensors, .gguf, .onnx, .tensorflow, .tflite, .hdf5: true
        default: false
        }
    }

}

/// Identifies formats by their magic bytes and structure.
public enum FormatSniffer {
    /// Identifies `source`; `name` (a file or member name) breaks ties for formats without magic bytes.
    public static func identify(_ source: ByteSource, name: String) -> DetectedFormat {
        let head = source.prefixBytes(length: 512)
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<(offset + magic.count)]) == magic
        }
        if source.isEmpty { return .empty }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if starts([0x80]), head.count > 1, head[1] <= 5 { return .pickle }
        if starts([0x93] + Array("NUMPY".utf8)) { return .numpy }
        if starts([0x1F, 0x8B]) { return .gzip }
        if starts(Array("BZh".utf8)) { return .bzip2 }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return .sevenZip }
        if starts(Array("Rar!\u{1A}\u{07}".utf8)) { return .rar }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if starts([0x04, 0x22, 0x4D, 0x18]) { return .lz4 }
        if starts(Array("GGUF".utf8)) { return .gguf }
        if HDF5File.sniff(source) { return .hdf5 }
        if starts(Array("TFL3".utf8), at: 4) { return .tflite }
        if starts(Array("ustar".utf8), at: 257) { return .tar }
        // A `{` after the length marks safetensors; a length that lies about the size still counts
        // when the name agrees, so the lie is reported rather than the file being called unknown.
        if SafeTensorsFile.sniff(source)
            || (head.count > 8 && head[8] == UInt8(ascii: "{") && name.lowercased().hasSuffix(".safetensors")) {
            return .safetensors
        }
        // zlib: deflate with a 32 KiB window and no preset dictionary, which leaves exactly the four
        // flag bytes zlib writes (levels 0-3). Text such as `x = 1` has a valid header checksum but
        // asks for a dictionary, so it is not taken for a stream.
        if head.count >= 3, head[0] == 0x78, [0x01, 0x5E, 0x9C, 0xDA].contains(head[1]) { return .zlib }
        if starts([0x5D, 0x00, 0x00]) { return .lzma }
        if PickleSniffer.looksLikePickle(source) { return .pickle }
        if ZipSniff.hasEndRecord(source) { return .zip }
        // Protobuf has no magic bytes: ONNX and TensorFlow files are recognised by their field layout.
        if !isText(head) {
            if ONNXModel.looksLike(source) { return .onnx }
            if TensorFlowGraph.looksLikeSavedModel(source) || TensorFlowGraph.looksLikeGraphDef(source) { return .tensorflow }
        }
        let lower = name.lowercased()
        // A pickle-family name on content that starts with a valid opcode is scanned as a pickle even
        // when it reads like text: the name is how a loader will treat it.
        let pickleNames = [".pkl", ".pickle", ".pt", ".pth", ".ckpt", ".joblib", ".bin", ".sav"]
        if pickleNames.contains(where: { lower.hasSuffix($0) }), let first = head.first, PickleOpcode(rawValue: first) != nil {
            return .pickle
        }
        if isText(head) { return .text }
        if lower.hasSuffix(".onnx") { return .onnx }
        if lower.hasSuffix(".pb") || lower.hasSuffix(".pbtxt") { return .tensorflow }
        if lower.hasSuffix(".tar") { return .tar }
        return .unknown
    }

    /// UTF-8 without NUL or most control bytes in the first block.
    static func isText(_ head: [UInt8]) -> Bool {
        guard !head.isEmpty else { return false }
        // A multi-byte character may be cut at the end of the block; drop up to three trailing bytes.
        var bytes = head[...]
        for _ in 0..<3 where String(validating: bytes, as: UTF8.self) == nil && !bytes.isEmpty { bytes = bytes.dropLast() }
        guard String(validating: bytes, as: UTF8.self) != nil else { return false }
        return !head.contains { $0 == 0 || ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x0C) }
    }
}

/// Finds a zip end-of-central-directory record at the tail, for archives with data prepended.
public enum ZipSniff {
    /// Whether the last 64 KiB + 22 bytes contain an end-of-central-directory signature.
    public static func hasEndRecord(_ source: ByteSource) -> Bool {
        guard source.count >= 22 else { return false }
        let window = min(source.count, 65_535 + 22)
        let tail = source.clampedSlice(from: source.count - window, length: window)
        return tail.firstIndex(of: [0x50, 0x4B, 0x05, 0x06]) != nil
    }
}
