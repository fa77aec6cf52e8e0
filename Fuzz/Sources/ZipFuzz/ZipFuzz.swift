import VetBytes
import VetCore
import VetFormats
import VetScanner

/// libFuzzer entry point: every input is parsed as a zip and then scanned as a whole file, so member
/// extraction, CRC checks, nested containers and the pickle machine are all reached.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = ScanLimits()
    limits.maxDecompressedBytes = 64 << 20
    limits.maxInMemoryMember = 16 << 20
    if let archive = try? ZipArchive.parse(ByteSource(bytes), limits: limits) {
        var budget = DecompressionBudget(limits: limits)
        for entry in archive.entries.prefix(64) {
            _ = try? archive.contents(of: entry, budget: &budget, limits: limits)
            _ = archive.verifyCRC(of: entry)
        }
    }
    _ = Scanner(configuration: ScanConfiguration(limits: limits, jobs: 1)).scan(bytes: bytes, name: "fuzz.pt")
    return 0
}
