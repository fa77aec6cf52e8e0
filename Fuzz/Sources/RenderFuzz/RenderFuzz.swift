import VetEngine

/// libFuzzer entry point: every input is read as UTF-8 chat-template text and, when it parses,
/// rendered in the engine's sandbox over a short conversation; rendering must end with text or an
/// error, never a trap or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let template = try? ChatTemplate(text) else { return 0 }
    let conversation = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hello"),
                        ChatMessage(role: "assistant", content: "Hi"), ChatMessage(role: "user", content: "2+2?")]
    _ = try? template.render(conversation, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
    return 0
}
