import ArgumentParser
import Foundation
import VetCore
import VetLineage

/// `modelvet lineage A B`: whether one model's weights derive from the other's.
struct LineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "Say whether model B derives from model A (same weights, derived, unrelated), from the weights alone.",
        discussion: """
        Reads both models without running anything (the formats `modelvet diff` reads) and gives a verdict \
        with its evidence:
          same-weights  identical up to storage precision (re-quantised, re-exported) and function-preserving \
        rearrangement (permuted residual dimensions, MLP units or heads, sign flips, scaling);
          derived       one is a modification of the other (fine-tune, merged low-rank adapter, abliteration, \
        removed layers), or both of a common parent;
          unrelated     no shared weights were found.
        It also says whether the update looks like abliteration (one direction projected out of what the \
        layers write into the residual stream, consistently across layers, readers untouched) and gives the \
        update's effective rank when it is low (a merged LoRA of rank r gives r).

        The residual basis is recovered from the embedding tables (each dimension matched by correlation over \
        the shared vocabulary), layers are paired when their counts differ, norms are folded into the matrices \
        that read after them, and inner units are matched by nearest neighbour, so permutations and scaling \
        do not hide a relation. docs/lineage.md explains the method, the thresholds and what it cannot see \
        through.

        Without the base's weights, --against places a model among known ones by its fingerprint (the \
        cosine similarities among 256 of its token embeddings; `modelvet fingerprint`): "builtin" is the \
        catalogue shipped inside ModelVet (SmolLM2-135M-Instruct, Qwen2.5-Coder-0.5B-Instruct, Gemma 3 270M, \
        all-MiniLM-L6-v2), or give a file written by `modelvet fingerprint` (one fingerprint, or \
        {"fingerprints": [...]}). That says which family the model's token embeddings come from (schema \
        modelvet-lineage-catalog/1), not whether its weights are the same: compare the weights for that.

        Examples:
          modelvet lineage base.gguf suspect.gguf
          modelvet lineage base.gguf ./hf-export/ --format json --plot layers.svg
          modelvet lineage suspect.gguf --against builtin
          modelvet lineage suspect.gguf --against my-models.json --format json

        Exit codes: 0 a verdict was reached (whatever it is; read "relation"); 2 usage error, unreadable file, \
        or a file that is not a transformer language model.
        """)

    @Argument(help: "The reference model (GGUF file, safetensors file or folder, PyTorch checkpoint); with --against, the model to examine.")
    var a: String

    @Argument(help: "The model to examine.")
    var b: String?

    @Option(name: .long, help: "Compare the model with fingerprints instead of a second model: builtin, or a fingerprint or catalogue file.")
    var against: String?

    @Option(name: .shortAndLong, help: "Output: text or json (schema modelvet-lineage/1; with --against modelvet-lineage-catalog/1).")
    var format: Format = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: "Also write a per-layer chart of the update (SVG) to this file.")
    var plot: String?

    @Flag(name: .long, help: "No progress line on standard error.")
    var quiet = false

    enum Format: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        if b == nil && against == nil { throw ValidationError("give a second model to compare with, or --against builtin|FILE") }
        if b != nil && against != nil { throw ValidationError("give a second model or --against, not both") }
        if against != nil && plot != nil { throw ValidationError("--plot draws the per-layer comparison of two models; it does not apply with --against") }
    }

    func run() throws {
        if let against {
            let catalogue: [Fingerprint]
            do { catalogue = against == "builtin" ? try FingerprintCatalog.builtin() : try FingerprintFile.read(against) } catch let error as LineageError {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
            let placed = try WeightReading.run([a], quiet: quiet, label: "lineage") { stores, _ in
                try CatalogLineage.compare(stores[0], path: a, catalogue: catalogue, named: against)
            }
            try WeightReading.emit(format == .json ? { try placed.json() } : { placed.text }, to: output)
            return
        }
        guard let b else { return }
        let verdict = try WeightReading.run(a, b, quiet: quiet, label: "lineage") { first, second, progress in
            try Lineage.compare(first, path: a, second, path: b, progress: progress)
        }
        if let plot { try Terminal.emit(verdict.svg(), to: plot) }
        try WeightReading.emit(format == .json ? { try verdict.json() } : { verdict.text() }, to: output)
    }
}
