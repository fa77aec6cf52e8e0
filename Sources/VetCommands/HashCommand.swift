import ArgumentParser
import Foundation
import VetProvenance

/// `modelvet hash PATH`: the SHA-256 manifest of a model's files.
struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Hash every file of a model (SHA-256) into a manifest, as OpenSSF model signing serialises it.",
        discussion: """
        A model folder is walked without following links (a symbolic link, device, socket or pipe is an \
        error, as in the reference); git's files at the top of the folder (.git, .gitattributes, .github, \
        .gitignore) and any --ignore path are left out. Files are hashed on every core, largest first, \
        through memory maps whose pages are released as they are hashed. The manifest lists each file \
        by its POSIX path relative to the folder (a single-file model is named "."), sorted as model \
        signing sorts them, and the root digest: the SHA-256 of the files' digests in that order, the \
        digest a model-signing signature's subject carries. Text output is sha256sum's layout plus the \
        root line; JSON is schema modelvet-manifest/1. With --shard-size the manifest uses model \
        signing's 'shards' method instead: each file is hashed in parts of that many bytes (named \
        path:start:end; an empty file has none), so even one large file is hashed on every core.

        Examples:
          modelvet hash ./Qwen2.5-0.5B-Instruct/
          modelvet hash model.gguf --format json --output manifest.json
          modelvet hash ./model --ignore model.sig --ignore README.md

        Exit codes: 0 hashed; 2 usage error, a path that cannot be read, a link or special file.
        """)

    @Argument(help: "The model: a file or a folder.")
    var path: String

    @Option(name: .shortAndLong, help: "Output: text or json (schema modelvet-manifest/1).")
    var format: Format = .text

    @Option(name: .shortAndLong, help: "Write the manifest to this file instead of standard output.")
    var output: String?

    @OptionGroup var hashing: HashingOptions

    @Option(name: .long, help: ArgumentHelp("Hash each file in shards of this many bytes (model signing's 'shards' method; names become path:start:end).", valueName: "bytes"))
    var shardSize: Int?

    enum Format: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        if let shardSize, shardSize < 1 { throw ValidationError("--shard-size must be at least 1 byte") }
    }

    func run() throws {
        let manifest = try hashing.manifest(path, shardSize: shardSize, label: "hash")
        try WeightReading.emit(format == .json ? { try manifest.json() } : { manifest.text }, to: output)
    }
}

/// How `hash`, `sign` and `verify` walk and hash a model: the paths left out, the threads, the progress
/// line; a model that cannot be hashed is reported with the reason and exit `failure` (2 by default).
struct HashingOptions: ParsableArguments {
    @Option(name: .long, help: "A path relative to the folder to leave out (repeatable); a folder leaves out everything below it.")
    var ignore: [String] = []

    @Flag(name: .long, help: "Include git's files (.git, .gitattributes, .github, .gitignore), left out by default as model signing leaves them out.")
    var includeGit = false

    @Option(name: .shortAndLong, help: "Files hashed at once (default: the number of cores).")
    var threads: Int?

    @Flag(name: .long, help: "No progress line on standard error.")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let bad = ignore.first(where: { $0.hasPrefix("/") || $0.split(separator: "/").contains("..") }) {
            throw ValidationError("--ignore takes paths inside the model folder; '\(bad)' is not one")
        }
    }

    /// The manifest of `path`, leaving out `also` besides --ignore.
    func manifest(_ path: String, also: [String] = [], shardSize: Int? = nil, label: String, failure: Int32 = 2) throws -> ModelManifest {
        let progress = ProbeProgress(enabled: !quiet && Terminal.isInteractive(2), label: label)
        defer { progress.finish() }
        do {
            return try ModelHasher.manifest(path, ignore: ignore + also, ignoreGit: !includeGit, threads: threads, shardSize: shardSize) { done, total in
                progress.update(done >> 20, max(1, total >> 20), "MiB")
            }
        } catch let error as HashError {
            progress.finish()
            Terminal.error(error.description)
            throw ExitCode(failure)
        }
    }
}
