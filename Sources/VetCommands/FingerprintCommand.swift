import ArgumentParser
import Foundation
import VetLineage

/// `modelvet fingerprint MODEL`: the model's fingerprint, for `lineage --against`.
struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Write a model's fingerprint (JSON), so that other models can be placed against it without its weights.",
        discussion: """
        The fingerprint (schema modelvet-fingerprint/1, about 43 KB) holds the cosine similarities among 256 \
        of the model's token embeddings, spread evenly over its vocabulary. Re-quantising, re-exporting, \
        permuting or rescaling the residual stream leaves them as they are and fine-tuning moves them little, \
        while independently trained models share almost none of them, so `modelvet lineage MODEL --against \
        FILE` can tell whether another model's embeddings come from this one. Collect several into a \
        catalogue as {"fingerprints": [ ... ]}. Nothing is run; the formats are those `modelvet diff` reads.

        Examples:
          modelvet fingerprint base.gguf --name "Acme-7B v1" --output acme.json
          modelvet lineage suspect.gguf --against acme.json

        Exit codes: 0 written; 2 usage error, unreadable file, or a model without a token embedding.
        """)

    @Argument(help: "The model (GGUF file, safetensors file or folder, PyTorch checkpoint).")
    var model: String

    @Option(name: .long, help: "The name to record (default: the file name).")
    var name: String?

    @Option(name: .shortAndLong, help: "Write the fingerprint to this file instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "No progress line on standard error.")
    var quiet = false

    func run() throws {
        let fingerprint = try WeightReading.run([model], quiet: quiet, label: "fingerprint") { stores, _ in
            try Fingerprint.make(stores[0], path: model, name: name ?? (model as NSString).lastPathComponent)
        }
        try WeightReading.emit({ try fingerprint.json() }, to: output)
    }
}
