import VetCore

/// Maps every kind of one format's anomalies to the rule that reports it.
///
/// Each format declares one table whose `rule(for:)` is an exhaustive `switch`, so adding an
/// anomaly kind to a parser does not compile until its rule is chosen; rule ids live only here,
/// in the rules layer.
public protocol AnomalyRuleTable {
    /// The format's anomaly kinds.
    associatedtype Kind: AnomalyKind
    /// The rule that reports `kind`.
    static func rule(for kind: Kind) -> RuleDescriptor
}

extension AnomalyRuleTable {
    /// Every rule the table can produce, once each, in the order of the kinds.
    public static var rules: [RuleDescriptor] {
        var seen = Set<String>()
        return Kind.allCases.map(rule(for:)).filter { seen.insert($0.id).inserted }
    }

    /// Reports each anomaly as a finding of its rule at `location` (plus the anomaly's offset).
    /// - Parameters:
    ///   - anomalies: What the parser recorded.
    ///   - location: The parsed artifact's location.
    ///   - sink: Receives the findings.
    public static func report<S: Sequence>(_ anomalies: S, at location: Location, into sink: inout FindingSink)
    where S.Element == Anomaly<Kind> {
        for anomaly in anomalies {
            sink.report(rule(for: anomaly.kind), anomaly.message, at: anomaly.offset.map { location.at($0) } ?? location,
                        evidence: anomaly.evidence ?? anomaly.entryName)
        }
    }
}
