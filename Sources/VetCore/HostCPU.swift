#if canImport(Foundation)
import Foundation
#endif

/// Whether this machine can run the inference engine, which is compiled for x86-64-v3 on x86-64
/// (Package.swift); everything else in ModelVet runs on any x86-64. Lives here, in a module built
/// for the baseline, so that the check itself never needs the instructions it looks for.
public enum HostCPU {
    /// Instruction-set extensions of the Haswell target, as /proc/cpuinfo names them.
    public static let engineFeatures = ["avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "abm", "popcnt"]

    /// The features the engine needs that this CPU lacks (empty when it can run the engine).
    public static func missingEngineFeatures(cpuinfo: String? = nil) -> [String] {
        #if arch(x86_64) && os(Linux)
        guard let text = cpuinfo ?? (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            return []  // cannot tell: let it run rather than refuse a capable machine
        }
        let flags = Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
        return engineFeatures.filter { !flags.contains($0) }
        #else
        return []
        #endif
    }

    /// Whether the engine can run here.
    public static var runsEngine: Bool { missingEngineFeatures().isEmpty }
}
