import VetBytes
import VetEngine

/// libFuzzer entry point: every input is offered to the inference engine as a GGUF model. Loading
/// must refuse it with an error or accept it; an accepted model gets its tokenizer read, a short
/// prompt tokenized and two tokens generated in a small context. Nothing may trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = ByteSource(UnsafeBufferPointer(start: data, count: size))
    guard let model = try? LlamaModel(source: source), model.fileBytes < 64 << 20,
          model.config.embeddingSize <= 4096, model.config.layerCount <= 8 else { return 0 }
    guard let session = try? InferenceSession(model: model, context: 16, threads: 1) else { return 0 }
    let tokens = session.tokenizer.encode("hello, world 123")
    if !tokens.isEmpty { _ = try? session.generate(promptTokens: Array(tokens.prefix(8)), maxTokens: 2) }
    _ = session.tokenizer.decode(tokens)
    return 0
}
