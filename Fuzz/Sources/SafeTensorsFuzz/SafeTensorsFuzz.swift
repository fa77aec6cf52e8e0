import VetBytes
import VetFormats

/// libFuzzer entry point: every input is parsed as a safetensors file (header bounds, JSON,
/// dtypes, shapes and offsets); the parse must throw or return, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = ByteSource(UnsafeBufferPointer(start: data, count: size))
    _ = SafeTensorsFile.sniff(source)
    _ = try? SafeTensorsFile.parse(source)
    return 0
}
