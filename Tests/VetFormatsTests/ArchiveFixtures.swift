import VetBytes
import VetCore
import VetFormats

/// Small real files made by the tools whose output the scanner must accept without findings.
enum ArchiveFixtures {
    /// `torch.save({'w': torch.arange(4.)})` from PyTorch 1.13 (Debian python3-torch): stored
    /// members with data descriptors, 'FB' padding extra fields and zip64 end records.
    static let torchSave = """
UEsDBAAACAgAAAAAAAAAAAAAAAAAAAAAAAAKABgAdC9kYXRhLnBrbEZCFABaWlpaWlpaWlpaWlpaWlpaWlpaWoACfXEAWAEAAAB3cQFjdG9yY2guX3V0aWxzCl9yZWJ1aWxkX3RlbnNvcl92MgpxAigoWAcAAABzdG9yYWdlcQNjdG9yY2gKRmxvYXRTdG9yYWdlCnEEWAEAAAAwcQVYAwAAAGNwdXEGSwR0cQdRSwBLBIVxCEsBhXEJiWNjb2xsZWN0aW9ucwpPcmRlcmVkRGljdApxCilScQt0cQxScQ1zLlBLBwiKud1BogAAAKIAAABQSwMEAAAICAAAAAAAAAAAAAAAAAAAAAAAAAgAKAB0L2RhdGEvMEZCJABaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWloAAAAAAACAPwAAAEAAAEBAUEsHCIsbYCUQAAAAEAAAAFBLAwQAAAgIAAAAAAAAAAAAAAAAAAAAAAAACQA5AHQvdmVyc2lvbkZCNQBaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWjMKUEsHCNGeZ1UCAAAAAgAAAFBLAQIAAAAACAgAAAAAAACKud1BogAAAKIAAAAKAAAAAAAAAAAAAAAAAAAAAAB0L2RhdGEucGtsUEsBAgAAAAAICAAAAAAAAIsbYCUQAAAAEAAAAAgAAAAAAAAAAAAAAAAA8gAAAHQvZGF0YS8wUEsBAgAAAAAICAAAAAAAANGeZ1UCAAAAAgAAAAkAAAAAAAAAAAAAAAAAYAEAAHQvdmVyc2lvblBLBgYsAAAAAAAAAB4DLQAAAAAAAAAAAAMAAAAAAAAAAwAAAAAAAAClAAAAAAAAANIBAAAAAAAAUEsGBwAAAAB3AgAAAAAAAAEAAABQSwUGAAAAAAMAAwClAAAA0gEAAAAA
"""

    /// Python 3.11 `zipfile`: a stored member, a directory, a deflated member and a member
    /// written with `force_zip64=True` (zip64 extra field in its local header).
    static let pythonZip = """
UEsDBBQAAAAAAJpcfV2XjqH7CAAAAAgAAAARAAAAbW9kZWwvY29uZmlnLmpzb257ImEiOiAxfVBLAwQUAAAAAAAAACEAAAAAAAAAAAAAAAAABgAAAG1vZGVsL1BLAwQUAAAACACaXH1dDVuG2hQAAAC4CwAAEQAAAG1vZGVsL3dlaWdodHMuYmlu7cExAQAAAMKg9U9tDQ+gAACAdwNQSwMEFAAAAAAAAAAhAETypXN4AAAAeAAAAA0AFABtb2RlbC9iaWcudHh0AQAQAHgAAAAAAAAAeAAAAAAAAABoZWxsbyB6aXA2NCBoZWxsbyB6aXA2NCBoZWxsbyB6aXA2NCBoZWxsbyB6aXA2NCBoZWxsbyB6aXA2NCBoZWxsbyB6aXA2NCBoZWxsbyB6aXA2NCBoZWxsbyB6aXA2NCBoZWxsbyB6aXA2NCBoZWxsbyB6aXA2NCBQSwECFAMUAAAAAACaXH1dl46h+wgAAAAIAAAAEQAAAAAAAAAAAAAAgAEAAAAAbW9kZWwvY29uZmlnLmpzb25QSwECFAMUAAAAAAAAACEAAAAAAAAAAAAAAAAABgAAAAAAAAAAAAAAgAE3AAAAbW9kZWwvUEsBAhQDFAAAAAgAmlx9XQ1bhtoUAAAAuAsAABEAAAAAAAAAAAAAAIABWwAAAG1vZGVsL3dlaWdodHMuYmluUEsBAhQDFAAAAAAAAAAhAETypXN4AAAAeAAAAA0AAAAAAAAAAAAAAIABngAAAG1vZGVsL2JpZy50eHRQSwUGAAAAAAQABADtAAAAVQEAAAAA
"""

    /// Python `tarfile` archives (gzipped to stay small): pax with a long `path`, GNU with an
    /// 'L' long name, plain ustar; each holds dir/<name>.txt ("hello tar") and the directory dir.
    static let paxTarGz = """
H4sIAFUODGsC/+3VTQrCMBCG4aw9RU7QJukPbgSXLr1BCTRYobZSU+jxTRUEkaKb1kXfZ5NhNgMJ3ySKo3h/tMPB2dJ1YhbqaepURptX/ejr0FJCDmIB/c3bLowX66STrbxaX+3KcxfXbXMqGntxxbJV5Ae/EfiDJZ59DHWeppP5V1q/5z8JG0ELqcj/7CpX160crwBrzf/cM77m/6POMxP+/4z8AwAAAAAAAAAAAADwkzv/iUiHACgAAA==
"""
    static let gnuTarGz = """
H4sIAAAAAAACA+3TQQqCQBSA4XeUOYHzxqZx2wG8gwhJSTaCGXR8DaFFIbXRRf7fZh6zGZjHn9jEHvI2nvI6XmQZOpk7NVX3mqf7LPNBTC4ruN/6sjNGNupYd7YZ11/E8loV605J/+gFf7//Z9TB+9n+1b31v0s1ODFK/4s7V03TmvELSGGz/S/9xtf+P+bgg4rZ0z8AAAAAAAAAAAAAAD8ZANjtTSkAKAAA
"""
    static let ustarTarGz = """
H4sIAAAAAAACA+3TMQqAMAyF4RylJ9BUq/cRFBSEQq3g8a0ugoJOuvh/ywtZAoHXDiGfeh9iFpco79Ckdm7P5Jyq1h7ztrfqbClG5QPzFJuQzss/9d04erO9AH/Upv6/feOx/5e5rgoVU9F/AAAAAAAAAAAAAAAA4NYKmwjuHgAoAAA=
"""

    /// Decodes standard base64, ignoring anything outside the alphabet.
    static func base64(_ text: String) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var values: [UInt8: UInt32] = [:]
        for (index, byte) in alphabet.enumerated() { values[byte] = UInt32(index) }
        var out: [UInt8] = [], buffer: UInt32 = 0, bits = 0
        for byte in text.utf8 {
            guard let value = values[byte] else { continue }
            buffer = buffer << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    /// A deterministic pseudo-random generator (SplitMix64) so robustness tests are repeatable.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Parses `bytes` as zip with default limits.
    static func zip(_ bytes: [UInt8], limits: ScanLimits = ScanLimits()) throws -> ZipArchive {
        try ZipArchive.parse(ByteSource(bytes), limits: limits)
    }

    /// Parses `bytes` as tar with default limits.
    static func tar(_ bytes: [UInt8], limits: ScanLimits = ScanLimits()) throws -> TarArchive {
        try TarArchive.parse(ByteSource(bytes), limits: limits)
    }

    /// Gunzips a fixture.
    static func gunzip(_ base64Text: String) throws -> [UInt8] {
        let data = try Inflater.inflate(ByteSource(base64(base64Text)), format: .gzip, limit: 1 << 20)
        return data.withUnsafeBytes { Array($0) }
    }
}

extension ZipArchive {
    /// The set of anomaly kinds found.
    var kinds: Set<ZipAnomalyKind> { Set(anomalies.map(\.kind)) }
    /// The anomalies of one kind.
    func anomalies(_ kind: ZipAnomalyKind) -> [ZipAnomaly] { anomalies.filter { $0.kind == kind } }
}

extension TarArchive {
    /// The set of anomaly kinds found.
    var kinds: Set<TarAnomalyKind> { Set(anomalies.map(\.kind)) }
    /// The anomalies of one kind.
    func anomalies(_ kind: TarAnomalyKind) -> [TarAnomaly] { anomalies.filter { $0.kind == kind } }
}
