import VetBytes

/// A SentencePiece tokenizer model (`tokenizer.model`, `spiece.model`), read as the protobuf
/// `ModelProto` it is: pieces (1), trainer spec (2), normalizer spec (3), self-test data (4),
/// denormalizer spec (5), extensions from 200. It holds vocabulary and normalisation tables
/// only; nothing in it is code, so the reading establishes what the file is and that every
/// nested message is well-formed.
public struct SentencePieceModel: Sendable {
    /// Vocabulary entries.
    public var pieces = 0
    /// Wire-level errors, each with its file offset; the protobuf library refuses such a file.
    public var errors: [ProtobufError] = []

    /// Whether `source` is shaped like a `ModelProto`: only its length-delimited fields and
    /// extensions, and at least one piece made of a string (1), a float score (2) and a type (3).
    public static func looksLike(_ source: ByteSource) -> Bool {
        var reader = ProtobufReader(source)
        var pieces = 0
        do {
            while let field = try reader.next() {
                switch field.number {
                case 1:
                    guard let piece = field.message, isPieceShaped(piece) else { return false }
                    pieces += 1
                case 2...5: guard field.wireType == .lengthDelimited else { return false }
                case 200...: continue
                default: return false
                }
            }
        } catch { return false }
        return pieces > 0
    }

    static func isPieceShaped(_ message: ProtobufReader) -> Bool {
        var reader = message
        var text = false
        do {
            while let field = try reader.next() {
                switch (field.number, field.wireType) {
                case (1, .lengthDelimited): text = true
                case (2, .fixed32), (3, .varint): continue
                default: return false
                }
            }
        } catch { return false }
        return text
    }

    /// Reads every field of the model and of its nested messages.
    public static func parse(_ source: ByteSource) -> SentencePieceModel {
        var model = SentencePieceModel()
        var reader = ProtobufReader(source)
        do {
            while let field = try reader.next() {
                if field.number == 1 { model.pieces += 1 }
                // Pieces, specs and self-test data are messages; their own fields are scalars,
                // strings and (in the self-test data) one more level of messages.
                if (1...5).contains(field.number), let nested = field.message {
                    model.walk(nested, depth: field.number == 4 ? 1 : 0)
                }
            }
        } catch let error as ProtobufError {
            model.errors.append(error)
        } catch {
            model.errors.append(ProtobufError(.truncated, at: reader.absoluteOffset, "\(error)"))
        }
        return model
    }

    private mutating func walk(_ message: ProtobufReader, depth: Int) {
        var reader = message
        do {
            while let field = try reader.next() {
                if depth > 0, let nested = field.message { walk(nested, depth: depth - 1) }
            }
        } catch let error as ProtobufError {
            errors.append(error)
        } catch {
            errors.append(ProtobufError(.truncated, at: reader.absoluteOffset, "\(error)"))
        }
    }
}
