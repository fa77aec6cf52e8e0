import VetBytes
import VetCore
import VetFormats
import VetRules

/// libFuzzer entry point: every input is parsed as GGUF (metadata of every type, tensor
/// descriptors checked against the file), and every string value is analysed as a chat template.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = ByteSource(UnsafeBufferPointer(start: data, count: size))
    var limits = GGUFFile.Limits()
    limits.maxArrayLength = 1 << 16
    limits.maxCount = 1 << 12
    let file = GGUFFile.parse(source, limits: limits)
    var sink = FindingSink()
    for entry in file.metadata {
        if case let .string(text) = entry.value, text.count < 1 << 16 {
            JinjaRules.check(text, at: Location(file: "fuzz.gguf"), into: &sink)
        }
    }
    return 0
}
