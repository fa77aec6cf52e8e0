import VetBytes
import VetCore
import VetFormats

/// libFuzzer entry point: every input is opened as HDF5 (root and `model_weights` attributes and
/// links, one level of children) and, when it is a zip, read as a `.keras` archive.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = ByteSource(UnsafeBufferPointer(start: data, count: size))
    if let file = try? HDF5File.open(source) {
        _ = KerasHDF5.read(file)
        _ = try? file.attributes(at: "model_weights")
        for link in (try? file.children()) ?? [] {
            _ = try? file.attributes(at: link.name)
            _ = try? file.children(at: link.name)
        }
    }
    var limits = ScanLimits()
    limits.maxDecompressedBytes = 64 << 20
    limits.maxInMemoryMember = 16 << 20
    if let archive = try? ZipArchive.parse(source, limits: limits), KerasArchive.isKerasArchive(archive, name: "model.keras") {
        var budget = DecompressionBudget(limits: limits)
        _ = KerasArchive.read(archive, budget: &budget, limits: limits)
    }
    return 0
}
