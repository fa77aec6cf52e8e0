import ArgumentParser
import Foundation
import VetCore
import VetLineage

/// What the commands that read model weights share (`diff`, `lineage`, `fingerprint`; `emit` also
/// `hash`, `bom` and the signature commands): the CPU check, opening the models, the progress line,
/// and mapping unreadable input or an unencodable report to exit code 2.
enum WeightReading {
    static func run<T>(_ a: String, _ b: String, quiet: Bool, label: String,
                       _ body: (TensorStore, TensorStore, @escaping (Int, Int, String) -> Void) throws -> T) throws -> T {
        try run([a, b], quiet: quiet, label: label) { stores, progress in try body(stores[0], stores[1], progress) }
    }

    /// Opens every path as a tensor store and runs `body` on them; a `LineageError` is printed and exits 2.
    static func run<T>(_ paths: [String], quiet: Bool, label: String,
                       _ body: ([TensorStore], @escaping (Int, Int, String) -> Void) throws -> T) throws -> T {
        // GGUF tensors are converted by the engine's kernels, built for x86-64-v3.
        let missing = HostCPU.missingEngineFeatures()
        guard missing.isEmpty else {
            Terminal.error("reading quantised weights needs an x86-64-v3 CPU (AVX2, FMA, F16C); this one lacks " + missing.joined(separator: ", "))
            throw ExitCode(2)
        }
        let progress = ProbeProgress(enabled: !quiet && Terminal.isInteractive(2), label: label)
        defer { progress.finish() }
        do {
            return try body(try paths.map(TensorStores.open), { progress.update($0, $1, $2) })
        } catch let error as LineageError {
            progress.finish()
            Terminal.error(error.description)
            throw ExitCode(2)
        }
    }

    static func emit(_ render: () throws -> String, to output: String?) throws {
        let document: String
        do { document = try render() } catch {
            Terminal.error("the report could not be encoded: \(error)")
            throw ExitCode(2)
        }
        try Terminal.emit(document, to: output)
    }
}
