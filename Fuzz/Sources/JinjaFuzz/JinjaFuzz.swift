import VetCore
import VetRules

/// libFuzzer entry point: every input is read as UTF-8 template text, parsed by the Jinja parser
/// and, when it parses, walked by the injection analysis.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var sink = FindingSink()
    JinjaRules.check(text, at: Location(file: "chat_template.jinja"), into: &sink)
    return 0
}
