import ArgumentParser
import Foundation
import VetCore
import VetLineage

/// `modelvet diff A B`: tensor by tensor, how two models' weights differ.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two models' weights tensor by tensor, across GGUF, safetensors and PyTorch checkpoints.",
        discussion: """
        Reads both models without running anything (GGUF in every quantisation the engine converts; \
        safetensors F32, F16, BF16, F64, one file or a folder of shards with model.safetensors.index.json; \
        PyTorch checkpoints, zip or legacy, whose pickle is read by ModelVet's symbolic machine, never \
        unpickled), \
        matches tensors by name (Hugging Face names of the llama, mistral and qwen2 families are mapped to \
        GGUF's, and the query/key rows llama.cpp permutes for RoPE are put back), and gives each pair the \
        relative L2 norm of the difference and the cosine. A pair is "within-quantisation" when the \
        difference is no larger than storing the weights in the two types can make it, "changed" when it is. \
        One tensor pair is in memory at a time.

        Examples:
          modelvet diff base.gguf finetune.gguf
          modelvet diff model-q4_k_m.gguf ./hf-export/ --format json

        Exit codes: 0 same weights (every tensor identical or within quantisation noise, the same tensor \
        set); 1 the weights differ; 2 usage error, unreadable or unsupported file.
        """)

    @Argument(help: "The first model (GGUF file, safetensors file or folder, PyTorch checkpoint).")
    var a: String

    @Argument(help: "The second model.")
    var b: String

    @Option(name: .shortAndLong, help: "Output: text or json (schema modelvet-diff/1).")
    var format: Format = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "No progress line on standard error.")
    var quiet = false

    enum Format: String, ExpressibleByArgument { case text, json }

    func run() throws {
        let diff = try WeightReading.run(a, b, quiet: quiet, label: "diff") { first, second, progress in
            try ModelDiff.compare(first, path: a, second, path: b, progress: progress)
        }
        try WeightReading.emit(format == .json ? { try diff.json() } : { diff.text() }, to: output)
        if !diff.summary.sameWeights { throw ExitCode(1) }
    }
}
