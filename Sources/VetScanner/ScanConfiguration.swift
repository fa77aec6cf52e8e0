import VetCore
import VetRules

/// How a scan runs: limits, policy and parallelism.
public struct ScanConfiguration: Sendable {
    /// Budgets for sizes, counts and depths.
    public var limits: ScanLimits
    /// Import lists and severity overrides.
    public var policy: ScanPolicy
    /// How many files are scanned at once.
    public var jobs: Int

    /// Creates a configuration; `jobs` defaults to the number of active processors.
    public init(limits: ScanLimits = ScanLimits(), policy: ScanPolicy = ScanPolicy(), jobs: Int? = nil) {
        self.limits = limits
        self.policy = policy
        self.jobs = max(1, jobs ?? ProcessInfoCores.active)
    }
}

/// The machine's processor count without importing Foundation into every caller.
enum ProcessInfoCores {
    static var active: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? n : 1
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
