/// Why a model cannot be loaded or run, or a prompt cannot be processed.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// The broad class of failure.
    public enum Kind: String, Sendable {
        /// The file is not a GGUF the engine can trust (truncated, overlapping, lying sizes).
        case invalidModel
        /// A valid model using an architecture, tensor type or tokenizer the engine does not implement.
        case unsupported
        /// A request the model cannot serve (context too long, empty prompt).
        case badRequest
        /// The chat template failed to render or was refused.
        case template
    }

    /// The class.
    public var kind: Kind
    /// A sentence saying exactly what is wrong.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
