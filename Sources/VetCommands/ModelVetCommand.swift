import ArgumentParser
import VetCore

/// The `modelvet` root command.
public struct ModelVetCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "modelvet",
        abstract: "Vet open AI model files before you load them.",
        discussion: """
        ModelVet parses model files statically (nothing is ever unpickled, imported or executed) and reports \
        anything that would run code, touch files or the network when a framework loads them.

        Start with:
          modelvet vet ./my-model/ --html r.html   scan, provenance, lineage and behaviour, one verdict
          modelvet scan ./my-model/            scan a file or a whole model folder
          modelvet rules                       list every rule
          modelvet rules explain ID            what a rule means and what to do
          modelvet generate MODEL.gguf -p TEXT run a small GGUF model inside ModelVet
          modelvet chat MODEL.gguf             talk to it in the terminal
          modelvet score MODEL.gguf --text T   log-probability of each token of a text
          modelvet probe MODEL.gguf --quick    measure what a model does (harm, jailbreaks, leakage, ...)
          modelvet judge --input FILE.jsonl    refusal/compliance verdicts for your own responses
          modelvet diff A B                    compare two models' weights (GGUF, safetensors, PyTorch)
          modelvet lineage A B                 is B derived from A? (same weights, derived, unrelated)
          modelvet lineage M --against builtin which known family do M's embeddings come from?
          modelvet fingerprint M               M's fingerprint, for lineage --against
          modelvet hash PATH                   SHA-256 manifest of a model's files (model signing's)
          modelvet sign PATH --key K.pem       sign it as OpenSSF model signing does
          modelvet verify PATH --signature S --public-key P.pem   check it against a signature
          modelvet bom PATH                    CycloneDX 1.6 bill of materials (licence, openness, findings)
          modelvet serve                       the vetting service: HTTP API, web UI and workers (docs/service.md)

        Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage or I/O error.
        """,
        version: ModelVetVersion.current,
        subcommands: [VetCommand.self, ScanCommand.self, RulesCommand.self, GenerateCommand.self, ChatCommand.self, ScoreCommand.self,
                      ProbeCommand.self, JudgeCommand.self, DiffCommand.self,
                      LineageCommand.self, FingerprintCommand.self, HashCommand.self,
                      SignCommand.self, VerifyCommand.self, BomCommand.self,
                      ServeCommand.self, WorkerCommand.self, TokenCommand.self],
        defaultSubcommand: nil)

    public init() {}
}

extension ModelVetCommand {
    /// Parses the process arguments and runs the command, mapping usage errors to exit code 2
    /// (the security-scanner convention) instead of argument-parser's 64.
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            exitProcess(0)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Terminal.write(message + "\n") }
                exitProcess(0)
            }
            if !message.isEmpty { FileHandleOutput.standardError(message + "\n") }
            exitProcess(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
