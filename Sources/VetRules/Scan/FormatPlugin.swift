import VetBytes
import VetCore

/// How strongly a reader claims an artifact. Every claim is honoured (each claiming reader
/// analyses the bytes); the strength is shown in verbose output and decides nothing else.
public enum ClaimStrength: Int, Sendable, Comparable, CustomStringConvertible {
    /// Only the name says so: a loader chosen by file name would read the bytes this way.
    case name = 1
    /// The bytes parse, or start to parse, as this format.
    case structure = 2
    /// The format's signature bytes are present.
    case magic = 3

    public static func < (lhs: ClaimStrength, rhs: ClaimStrength) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .name: "name"
        case .structure: "structure"
        case .magic: "magic"
        }
    }
}

/// A reader's claim that a loader could take an artifact for its format.
public struct FormatClaim: Sendable {
    /// How the claim was made.
    public var strength: ClaimStrength
    /// Why, in a few words (`PROTO 2 header`, `named saved_model.pb`).
    public var reason: String

    /// Creates a claim.
    public init(_ strength: ClaimStrength, _ reason: String) {
        self.strength = strength
        self.reason = reason
    }
}

/// One format ModelVet reads: how it recognises the bytes, and how it analyses them.
///
/// A plug-in claims every artifact a loader of its format could be handed (by magic bytes, by
/// structure, or by the name a loader picks files by) and analyses each one it claims: parse,
/// report the parser's anomalies through the format's `AnomalyRuleTable`, run the format's
/// rules, record coverage, and hand members to `ScanSession.scanMember` for recursion. Plug-ins
/// are listed once, in `FormatRegistry`.
public protocol FormatPlugin: Sendable {
    /// The reader's name, as coverage shows it when the analysis does not name a more precise
    /// layout (`pickle`, `zip`, `gguf`, …).
    var name: String { get }
    /// Every rule the analysis can report (the catalogue and the tests read this).
    var rules: [RuleDescriptor] { get }
    /// Whether this reader only takes artifacts no other reader claims (plain text, unknown data).
    var isFallback: Bool { get }
    /// Whether a loader of this format could take `artifact` for it, and how that is known.
    func claim(_ artifact: Artifact) -> FormatClaim?
    /// Analyses an artifact this plug-in claimed.
    func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession)
}

extension FormatPlugin {
    public var isFallback: Bool { false }
}
