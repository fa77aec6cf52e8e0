import VetBytes
import VetFormats

/// libFuzzer entry point: every input is walked as a raw protobuf message (nested messages
/// followed to a fixed depth) and parsed as an ONNX model, a TensorFlow SavedModel and GraphDef,
/// and a TFLite flatbuffer.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = ByteSource(UnsafeBufferPointer(start: data, count: size))
    walk(source, depth: 0)
    _ = ONNXModel.parse(source)
    _ = TensorFlowGraph.parse(source, as: .savedModel)
    _ = TensorFlowGraph.parse(source, as: .graphDef)
    _ = TensorFlowGraph.parse(source, as: .metaGraph)
    _ = TFLiteModel.parse(source, maxElements: 100_000)
    return 0
}

/// Reads every field; length-delimited payloads are tried as messages themselves.
private func walk(_ message: ByteSource, depth: Int) {
    var reader = ProtobufReader(message)
    var fields = 0
    while fields < 10_000, let field = try? reader.next() {
        fields += 1
        if case let .bytes(payload) = field.value, depth < 8 {
            walk(payload, depth: depth + 1)
        }
    }
}
