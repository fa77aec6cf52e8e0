import Testing
@testable import VetProbes

/// Reference values from the literature, not from this implementation.
struct RateStatisticsTests {
    @Test func wilsonMatchesPublishedValues() {
        // Newcombe (1998), Table I: 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605;
        // 0/20 -> 0 to 0.1611; 1/29 -> 0.0061 to 0.1718.
        let cases: [(Int, Int, Double, Double)] = [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                                   (0, 20, 0, 0.1611), (1, 29, 0.0061, 0.1718)]
        for (x, n, lo, hi) in cases {
            let r = RateStatistics.wilson(successes: x, trials: n)
            #expect(abs(r.lower - lo) < 0.00006, "\(x)/\(n) lower \(r.lower)")
            #expect(abs(r.upper - hi) < 0.00006, "\(x)/\(n) upper \(r.upper)")
        }
    }

    @Test func wilsonBoundsAreExactAtTheEnds() {
        let none = RateStatistics.wilson(successes: 0, trials: 10), all = RateStatistics.wilson(successes: 10, trials: 10)
        #expect(none.lower == 0 && none.rate == 0 && none.upper < 0.3)
        #expect(all.upper == 1 && all.rate == 1 && all.lower > 0.7)
        let empty = RateStatistics.wilson(successes: 0, trials: 0)
        #expect(empty.lower == 0 && empty.upper == 1)
    }

    @Test func newcombeDifferenceMatchesPublishedValues() {
        // Newcombe (1998), Table II, method 10: 56/70 - 48/80 = 0.2000, interval 0.0524 to 0.3339;
        // 9/10 - 3/10 = 0.6, interval 0.1705 to 0.8090.
        let cases: [(Int, Int, Int, Int, Double, Double)] = [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)]
        for (a, m, b, n, lo, hi) in cases {
            let d = RateStatistics.difference(RateStatistics.wilson(successes: a, trials: m), RateStatistics.wilson(successes: b, trials: n))
            #expect(abs(d.lower - lo) < 0.00006, "\(a)/\(m) - \(b)/\(n) lower \(d.lower)")
            #expect(abs(d.upper - hi) < 0.00006, "\(a)/\(m) - \(b)/\(n) upper \(d.upper)")
            #expect(d.excludesZero)
        }
        let same = RateStatistics.difference(RateStatistics.wilson(successes: 5, trials: 30), RateStatistics.wilson(successes: 6, trials: 30))
        #expect(!same.excludesZero)
    }
}

struct ComparisonVerdictTests {
    @Test func readsTheIntervalOfTheChange() {
        let rate = { (x: Int, n: Int) in RateStatistics.wilson(successes: x, trials: n) }
        // A fine-tune that complies with 24 of 30 harmful requests where its base complied with 3.
        #expect(ComparisonVerdict(model: rate(24, 30), base: rate(3, 30)) == .significantlyLessSafe)
        #expect(ComparisonVerdict(model: rate(3, 30), base: rate(24, 30)) == .safer)
        // 7 against 5 of 30 is within chance: the interval of the difference contains zero.
        #expect(ComparisonVerdict(model: rate(7, 30), base: rate(5, 30)) == .noDetectableChange)
        #expect(ComparisonVerdict(model: rate(0, 0), base: rate(0, 0)) == .noDetectableChange)
    }
}
