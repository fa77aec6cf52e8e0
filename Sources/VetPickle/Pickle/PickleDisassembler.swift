import VetBytes
import VetCore

/// Renders instructions as short `pickletools`-style lines for findings.
public enum PickleDisassembler {
    /// One line per instruction: offset, opcode name and a short operand; operands are read from
    /// `source`, the bytes the instructions were decoded from. `shift` is added to the offsets shown.
    public static func render(_ instructions: [PickleInstruction], source: ByteSource, shift: Int = 0) -> String {
        instructions.map { line($0, source: source, shift: shift) }.joined(separator: "\n")
    }

    /// Renders one instruction.
    public static func line(_ i: PickleInstruction, source: ByteSource, shift: Int = 0) -> String {
        let offset = String(i.offset + shift, radix: 16)
        let padded = String(repeating: "0", count: max(0, 4 - offset.count)) + offset
        let operand = describe(i.operand, source: source)
        return "0x\(padded) \(i.opcode.name)" + (operand.isEmpty ? "" : " " + operand)
    }

    static func describe(_ operand: PickleOperand, source: ByteSource) -> String {
        switch operand {
        case .none: return ""
        case let .int(v): return String(v)
        case let .bigInt(b): return "<int of \(b.byteCount) bytes>"
        case let .float(f): return String(f)
        case let .text(t): return "'" + Evidence.clip(t.string(in: source), maxLength: 60) + "'"
        case let .bytes(range):
            let b = source.clampedSlice(range)
            return Evidence.bytesLiteral(b.prefixBytes(length: 24), maxBytes: 24) + (b.count > 24 ? "…(\(b.count) bytes)" : "")
        case let .pair(m, n):
            let module = PythonLiteral.utf8(source.clampedSlice(m)), name = PythonLiteral.utf8(source.clampedSlice(n))
            return "'" + Evidence.clip(module, maxLength: 60) + " " + Evidence.clip(name, maxLength: 60) + "'"
        }
    }

    /// Disassembles up to `maxInstructions` opcodes from `offset`, stopping at STOP or an error.
    public static func disassemble(_ source: ByteSource, from offset: Int = 0, maxInstructions: Int = 10_000) -> [String] {
        guard var decoder = try? PickleDecoder(source, offset: offset, maxOperandLength: 1 << 30) else { return [] }
        var lines: [String] = []
        while lines.count < maxInstructions, !decoder.reader.isAtEnd {
            do {
                let instruction = try decoder.next()
                lines.append(line(instruction, source: source))
                if instruction.opcode == .stop { break }
            } catch {
                lines.append("error: \(error)")
                break
            }
        }
        return lines
    }
}
