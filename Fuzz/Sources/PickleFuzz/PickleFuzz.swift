import VetBytes
import VetFormats

/// libFuzzer entry point: every input is read as a pickle stream by the symbolic machine.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = ByteSource(UnsafeBufferPointer(start: data, count: size))
    let stream = PickleStream.read(source)
    for program in stream.programs {
        for imported in program.imports { _ = imported.qualifiedName.count }
    }
    _ = PickleDisassembler.disassemble(source, maxInstructions: 1000)
    return 0
}
