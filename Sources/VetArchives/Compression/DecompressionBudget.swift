import VetCore

/// How many more bytes may be decompressed for one top-level file; callers thread one budget
/// through every nested archive so a bomb spread over many members is still bounded.
public struct DecompressionBudget: Sendable, Equatable {
    /// Bytes that may still be produced.
    public var remaining: Int

    /// Creates a budget of `remaining` bytes (negative values count as zero).
    /// - Parameter remaining: The total number of decompressed bytes allowed.
    public init(remaining: Int) { self.remaining = max(remaining, 0) }

    /// Creates a budget of `limits.maxDecompressedBytes`.
    /// - Parameter limits: The scan limits of the top-level file.
    public init(limits: ScanLimits) { self.init(remaining: limits.maxDecompressedBytes) }

    /// Draws `bytes` from the budget.
    /// - Parameter bytes: How many decompressed bytes were produced.
    /// - Throws: `InflateError.limitExceeded` when fewer than `bytes` remain; the budget is then spent.
    public mutating func charge(_ bytes: Int) throws(InflateError) {
        guard bytes <= remaining else {
            let limit = remaining
            remaining = 0
            throw .limitExceeded(limit: limit, what: "remaining decompression budget")
        }
        remaining -= max(bytes, 0)
    }
}
