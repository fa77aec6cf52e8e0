import VetCore

/// What every rule may consult besides the parsed value: the import policy and the limits.
public struct RuleContext: Sendable {
    /// Allowlist and denylist for pickle imports.
    public var imports: ImportPolicy
    /// Scan budgets.
    public var limits: ScanLimits

    /// Creates a context.
    public init(imports: ImportPolicy = .builtIn, limits: ScanLimits = ScanLimits()) {
        self.imports = imports
        self.limits = limits
    }
}
