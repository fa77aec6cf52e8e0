import VetFixtures
import Testing
import VetBytes
import VetCore
import VetFormats
@testable import VetPickle

private func run(_ bytes: [UInt8]) -> PickleProgram { PickleMachine.run(ByteSource(bytes)) }
private func imports(_ bytes: [UInt8]) -> [String] { PickleStream.read(ByteSource(bytes)).programs.flatMap(\.imports).map(\.qualifiedName) }

@Suite("Pickle machine")
struct PickleMachineTests {
    @Test("every opcode of protocols 0-5 has a name and an argument form")
    func opcodeTable() {
        #expect(PickleOpcode.allCases.count == 68)
        #expect(Set(PickleOpcode.allCases.map(\.name)).count == 68)
        #expect(PickleOpcode.frame.argument == .fixed(8))
        #expect(PickleOpcode.byteArray8.protocolVersion == 5)
    }

    @Test("protocol 0 text GLOBAL and REDUCE")
    func protocol0() {
        let program = run(Array("cos\nsystem\n(S'echo hi'\ntR.".utf8))
        #expect(program.completed)
        #expect(program.imports.map(\.qualifiedName) == ["os.system"])
        #expect(program.calls.first?.importIndex == 0)
        #expect(program.imports[0].callSite?.contains("REDUCE") == true)
    }

    @Test("STACK_GLOBAL operands resolve through the memo whatever opcode made them", arguments: [
        PickleOpcode.shortBinUnicode, .binUnicode, .binUnicode8, .unicode, .string, .shortBinString, .binString,
    ])
    func memoResolution(opcode: PickleOpcode) {
        let bytes = PickleAssembler(protocolVersion: 4).unicode("subprocess", opcode: opcode).put(3).op(.pop)
            .unicode("Popen", opcode: opcode).op(.memoize).op(.pop)
            .get(3).get(1).op(.stackGlobal).stop().bytes
        let program = run(bytes)
        #expect(program.imports.map(\.qualifiedName) == ["subprocess.Popen"])
        #expect(program.imports.allSatisfy { $0.isResolved })
    }

    @Test("bytes operands to STACK_GLOBAL are resolved with a note")
    func bytesOperands() {
        let bytes = PickleAssembler(protocolVersion: 4).binBytes(Array("os".utf8)).binBytes(Array("system".utf8)).op(.stackGlobal).stop().bytes
        let program = run(bytes)
        #expect(program.imports.first?.qualifiedName == "os.system")
        #expect(program.imports.first?.notes.first?.contains("bytes") == true)
    }

    @Test("a computed STACK_GLOBAL operand is unresolved")
    func unresolved() {
        let bytes = PickleAssembler(protocolVersion: 4).call("builtins", "str", ["o"]).unicode("system").op(.stackGlobal).stop().bytes
        let program = run(bytes)
        #expect(program.imports.count == 2)
        #expect(program.imports[1].isResolved == false)
    }

    @Test("INST, OBJ, NEWOBJ and NEWOBJ_EX are calls")
    func callOpcodes() {
        let inst = PickleAssembler(protocolVersion: 0).op(.mark).unicode("id", opcode: .string).inst("os", "system").stop().bytes
        #expect(run(inst).calls.map(\.opcode) == [.inst])
        let obj = PickleAssembler(protocolVersion: 1).op(.mark).global("os", "system").unicode("id").op(.obj).stop().bytes
        #expect(run(obj).calls.map(\.opcode) == [.obj])
        let newObjEx = PickleAssembler(protocolVersion: 4).stackGlobal("x", "Y").op(.emptyTuple).op(.emptyDict).op(.newObjEx).stop().bytes
        let program = run(newObjEx)
        #expect(program.calls.map(\.opcode) == [.newObjEx])
        #expect(program.calls[0].importIndex == 0)
    }

    @Test("EXT opcodes are recorded")
    func extensions() {
        let bytes = PickleAssembler(protocolVersion: 2).op(.ext2, [0x34, 0x12]).op(.ext4, [1, 0, 0, 0]).op(.pop).stop().bytes
        #expect(run(bytes).extensions.map(\.code) == [0x1234, 1])
    }

    @Test("a payload before a truncated tail is still seen")
    func truncatedTail() {
        let bytes = PickleAssembler(protocolVersion: 4).call("os", "system", ["id"]).op(.binUnicode, [0x10, 0, 0, 0, 0x41]).bytes
        let program = run(bytes)
        #expect(!program.completed)
        #expect(program.imports.map(\.qualifiedName) == ["os.system"])
        #expect(program.anomalies.contains { $0.kind == .truncated })
    }

    @Test("stack underflow is recorded and the machine carries on")
    func underflowContinues() {
        let bytes = PickleAssembler(protocolVersion: 2).op(.reduce).op(.pop).global("os", "system").stop().bytes
        let program = run(bytes)
        #expect(program.anomalies.contains { $0.kind == .inconsistentStack })
        #expect(program.imports.map(\.qualifiedName) == ["os.system"])
    }

    @Test("stacked pickles, junk in between and a broken tail are all read")
    func streams() {
        let benign = PickleAssembler.benignPickle()
        let evil = PickleAssembler.callPickle("os", "system", ["id"])
        #expect(imports(benign + evil) == ["os.system"])
        let stream = PickleStream.read(ByteSource(benign + Array("garbage!".utf8) + evil + [0xFF, 0xFE]))
        #expect(stream.programs.flatMap(\.imports).map(\.qualifiedName) == ["os.system"])
        #expect(stream.unaccounted.count == 2)
        #expect(stream.unaccounted.first == benign.count..<(benign.count + 8))
    }

    @Test("pickles inside bytes operands are analysed with absolute offsets")
    func embedded() {
        let inner = PickleAssembler.callPickle("os", "system", ["id"])
        let outer = PickleAssembler(protocolVersion: 4).binBytes(inner).stop().bytes
        let stream = PickleStream.read(ByteSource(outer))
        let nested = stream.programs.flatMap(\.imports)
        #expect(nested.map(\.qualifiedName) == ["os.system"])
        // PROTO(2) + SHORT_BINBYTES(1) + length(1) puts the inner pickle at offset 4.
        #expect(stream.programs[1].range.lowerBound == 4)
    }

    @Test("memo expansion is a resource finding, not a hang")
    func expansion() {
        var asm = PickleAssembler(protocolVersion: 2).op(.emptyList).put(0)
        for _ in 0..<80 { asm = asm.op(.pop).get(0).get(0).op(.tuple2).put(0) }
        let program = run(asm.stop().bytes)
        #expect(program.completed)
        #expect(program.anomalies.contains { $0.kind == .resourceLimit })
    }

    @Test("lying length prefixes and frames are rejected without reading past the end")
    func oversized() {
        let bytes = PickleAssembler(protocolVersion: 4).op(.binBytes8, [0, 0, 0, 0, 0, 0, 0, 0x7F]).bytes
        #expect(run(bytes).anomalies.map(\.kind) == [.oversizedOperand])
        let short = PickleAssembler(protocolVersion: 4).op(.binBytes8, [9, 0, 0, 0, 0, 0, 0, 0]).raw([1, 2]).bytes
        #expect(run(short).anomalies.map(\.kind) == [.truncated])
        let frame = PickleAssembler(protocolVersion: 4).op(.frame, [0xFF, 0, 0, 0, 0, 0, 0, 0]).stop().bytes
        #expect(run(frame).anomalies.map(\.kind) == [.frameViolation])
    }

    @Test("opcode limit stops the machine")
    func opcodeLimit() {
        var limits = ScanLimits()
        limits.maxPickleOpcodes = 10
        var asm = PickleAssembler(protocolVersion: 2)
        for _ in 0..<20 { asm = asm.op(.none).op(.pop) }
        let program = PickleMachine.run(ByteSource(asm.stop().bytes), options: .init(limits: limits))
        #expect(program.instructionCount == 10)
        #expect(program.anomalies.contains { $0.kind == .resourceLimit })
    }

    @Test("protocol 0 integers parse like Python's int()")
    func pythonIntegers() {
        let bytes = Array("S'os'\np1_0\n0S'system'\np 11 \n0g10\ng11\n".utf8) + [0x93, 0x2E]
        #expect(run(bytes).imports.map(\.qualifiedName) == ["os.system"])
    }

    @Test("escaped protocol 0 text is decoded when read, as CPython decodes it")
    func escapedText() {
        // STRING with backslash escapes and UNICODE with raw-unicode-escape spell the same import.
        let string = Array("S'o\\x73'\nS'sys\\164em'\n".utf8) + [0x93, 0x2E]
        #expect(run(string).imports.map(\.qualifiedName) == ["os.system"])
        let unicode = Array("V\\u006fs\nVsys\\U00000074em\n".utf8) + [0x93, 0x2E]
        #expect(run(unicode).imports.map(\.qualifiedName) == ["os.system"])
        // A bad escape stops the loader, so it stops the machine too.
        let bad = run(Array("S'\\xZZ'\n.".utf8))
        #expect(!bad.completed)
        #expect(bad.anomalies.contains { $0.kind == .truncated && $0.message.contains("escape") })
    }

    @Test("integers too large for Int keep their bytes, and operands show in disassembly")
    func bigIntegersAndDisassembly() {
        let long1 = [0x80, 0x02, 0x8A, 0x09] + [UInt8](repeating: 0x11, count: 9) + [0x2E]
        let program = run(long1)
        #expect(program.result.flatMap(program.heap.bigIntBytes) == [UInt8](repeating: 0x11, count: 9))
        let text = run(Array("L123456789012345678901234567890L\n.".utf8))
        #expect(text.result.flatMap(text.heap.bigIntBytes) == Array("123456789012345678901234567890".utf8))
        let lines = PickleDisassembler.disassemble(ByteSource(Array("cos\nsystem\n(S'echo hi'\ntR.".utf8)))
        #expect(lines.first == "0x0000 GLOBAL 'os system'")
        #expect(lines.contains("0x000c STRING 'echo hi'"))
    }

    @Test("random bytes never crash the machine", arguments: 0..<50)
    func randomInput(seed: Int) {
        var generator = ArchiveFixtures.SplitMix(state: UInt64(seed))
        let bytes = (0..<(seed * 37 % 600 + 1)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let stream = PickleStream.read(ByteSource([0x80, 0x04] + bytes))
        #expect(stream.programs.count >= 1)
    }
}
