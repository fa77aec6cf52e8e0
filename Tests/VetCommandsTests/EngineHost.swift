import Foundation

/// Whether this machine can run VetEngine's code: on x86-64 it is compiled for x86-64-v3, and a CPU
/// without AVX2/FMA/F16C would stop with an illegal instruction, so its suites are skipped there
/// with a notice (the scanner's tests run everywhere).
enum EngineHost {
    static let supported: Bool = {
        #if arch(x86_64) && os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return true }
        let flags = Set(line.split(separator: " ").map(String.init))
        return ["avx2", "fma", "f16c", "bmi2", "movbe"].allSatisfy(flags.contains)
        #else
        return true
        #endif
    }()
    static let notice = "this CPU lacks x86-64-v3 (AVX2, FMA, F16C), which the inference engine is built for"
}
