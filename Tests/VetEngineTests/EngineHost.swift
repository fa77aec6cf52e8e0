import VetCore

/// Engine suites skip with this notice on an x86-64 CPU without x86-64-v3 (see `HostCPU`), where
/// VetEngine's code would stop with an illegal instruction; the scanner's tests run everywhere.
enum EngineHost {
    static let supported = HostCPU.runsEngine
    static let notice = "this CPU lacks x86-64-v3 (AVX2, FMA, F16C), which the inference engine is built for"
}
