import VetBytes
import VetCore
import VetFormats
import VetScanner

/// Name hints that route content to each format's parser (content still decides; names break ties).
private let names = ["model.safetensors", "model.gguf", "tokenizer_config.json", "chat_template.jinja", "model.onnx",
                     "saved_model.pb", "model.tflite", "model.h5", "model.keras", "modeling_x.py", "config.json", "model.pt",
                     "config.yaml", "model.ckpt.meta", "prompt.template", "model.tar", "data"]

/// libFuzzer entry point: the first byte picks a file name, the rest is scanned as that file, so
/// every parser (safetensors, GGUF, JSON, YAML, Jinja, protobuf/ONNX/TensorFlow, TFLite, HDF5, Python, tar) is reached.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let name = names[Int(data[0]) % names.count]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var limits = ScanLimits()
    limits.maxDecompressedBytes = 64 << 20
    limits.maxInMemoryMember = 16 << 20
    _ = Scanner(configuration: ScanConfiguration(limits: limits, jobs: 1)).scan(bytes: bytes, name: name)
    return 0
}
