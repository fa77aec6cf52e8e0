import Foundation
import Testing
import VetBytes
@testable import VetEngine

/// The sentence encoder on files it must refuse or survive: a tiny BERT written here (hidden 16,
/// 2 heads, intermediate 8 — narrower than the hidden size, which the scratch buffers must allow),
/// then broken in one way at a time. None of these may trap.
struct SentenceEncoderInputTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "##s", ",", "σ", "ς", "ο", "δ"]
    static let config = Data(#"{"model_type": "bert", "hidden_act": "gelu", "num_attention_heads": 2, "layer_norm_eps": 1e-12}"#.utf8)

    /// The tensors of a 1-layer BERT: name → shape, filled with small deterministic numbers.
    static func tensors(hidden h: Int = 16, intermediate m: Int = 8, words: Int = vocabulary.count, positions: Int = 8) -> [(String, [Int])] {
        var list: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [words, h]), ("embeddings.position_embeddings.weight", [positions, h]),
            ("embeddings.token_type_embeddings.weight", [2, h]), ("embeddings.LayerNorm.weight", [h]), ("embeddings.LayerNorm.bias", [h]),
        ]
        let p = "encoder.layer.0."
        for part in ["query", "key", "value"] { list += [(p + "attention.self.\(part).weight", [h, h]), (p + "attention.self.\(part).bias", [h])] }
        list += [(p + "attention.output.dense.weight", [h, h]), (p + "attention.output.dense.bias", [h]),
                 (p + "attention.output.LayerNorm.weight", [h]), (p + "attention.output.LayerNorm.bias", [h]),
                 (p + "intermediate.dense.weight", [m, h]), (p + "intermediate.dense.bias", [m]),
                 (p + "output.dense.weight", [h, m]), (p + "output.dense.bias", [h]),
                 (p + "output.LayerNorm.weight", [h]), (p + "output.LayerNorm.bias", [h])]
        return list
    }

    /// A safetensors file of `tensors` (F32), with `poison` written over one value of the first tensor.
    static func safetensors(_ tensors: [(String, [Int])], poison: Float? = nil) -> [UInt8] {
        var header: [String] = [], data: [UInt8] = [], seed: UInt32 = 1
        for (index, (name, shape)) in tensors.enumerated() {
            let count = shape.reduce(1, *)
            header.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(data.count),\(data.count + 4 * count)]}")
            for i in 0..<count {
                seed = seed &* 1_103_515_245 &+ 12345
                var value = Float(Int(seed >> 16) % 200 - 100) / 400
                if name.hasSuffix("LayerNorm.weight") { value += 1 }
                if index == 0, i == 5, let poison { value = poison }
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 }
            }
        }
        let json = Array(("{" + header.joined(separator: ",") + "}").utf8)
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
        return out + json + data
    }

    static func encoder(vocabulary: [String] = vocabulary, model: [UInt8], config: Data = config) throws -> SentenceEncoder {
        try SentenceEncoder(vocabulary: Data((vocabulary.joined(separator: "\n") + "\n").utf8), config: config,
                            model: ByteSource(model), name: "tiny.safetensors", maxTokens: 8, threads: 2)
    }

    @Test("a tiny BERT narrower inside than outside embeds every text to a finite unit vector")
    func aTinyModelEmbeds() throws {
        let encoder = try Self.encoder(model: Self.safetensors(Self.tensors()))
        #expect(encoder.dimension == 16)
        let texts = ["", "hello worlds, hello", String(repeating: "hello ", count: 50), "ΟΔΟΣ", "unknown\u{0}\u{7}"]
        for embedding in encoder.embed(texts) {
            let norm = embedding.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(embedding.count == 16 && embedding.allSatisfy(\.isFinite) && abs(norm - 1) < 1e-4)
        }
        #expect(encoder.tokens("hello worlds,") == [2, 4, 5, 6, 7, 3])
        #expect(encoder.tokens(String(repeating: "hello ", count: 50)).count == 8, "cut to maxTokens, [SEP] kept")
        // Final sigma, as Python's str.lower() and the reference tokenizer make it.
        #expect(encoder.tokens("ΟΔΟΣ") == [2, 1, 3] && encoder.tokens("Σ ΟΣ") == [2, 8, 1, 3])
        #expect(WordPieceTokenizer.lowercased("ΟΔΟΣ".unicodeScalars) == "οδος")
        #expect(WordPieceTokenizer.lowercased("AΣ'Σ".unicodeScalars) == "aσ'ς")
    }

    @Test("crafted files are errors that name the problem, never a trap")
    func craftedFilesAreErrors() throws {
        let good = Self.safetensors(Self.tensors())
        func rejects(_ what: String, _ expected: String, _ build: () throws -> SentenceEncoder) {
            do {
                _ = try build()
                Issue.record("\(what) was accepted")
            } catch let error as EngineError {
                #expect(error.message.contains(expected), "\(what): \(error.message)")
            } catch {
                Issue.record("\(what): \(error)")
            }
        }
        rejects("a NaN weight", "not a finite number") { try Self.encoder(model: Self.safetensors(Self.tensors(), poison: .nan)) }
        rejects("an infinite weight", "word_embeddings.weight holds") { try Self.encoder(model: Self.safetensors(Self.tensors(), poison: .infinity)) }
        rejects("a truncated file", "tiny.safetensors") { try Self.encoder(model: Array(good.prefix(good.count - 100))) }
        rejects("a missing tensor", "no tensor encoder.layer.0.output.dense.bias") {
            try Self.encoder(model: Self.safetensors(Self.tensors().filter { $0.0 != "encoder.layer.0.output.dense.bias" }))
        }
        rejects("a wrong shape", "intermediate.dense.bias has shape [4]") {
            try Self.encoder(model: Self.safetensors(Self.tensors().map { $0.0.hasSuffix("intermediate.dense.bias") ? ($0.0, [4]) : $0 }))
        }
        rejects("more tokens than embeddings", "vocab.txt has 13 tokens but the model embeds 12") {
            try Self.encoder(vocabulary: Self.vocabulary + ["extra"], model: good)
        }
        rejects("a token twice", "lines 5 and 13 are the same token") { try Self.encoder(vocabulary: Self.vocabulary + ["hello"], model: good) }
        rejects("no [CLS]", "no [CLS] token") { try Self.encoder(vocabulary: ["[UNK]", "[SEP]"] + Array(repeating: "", count: 0), model: good) }
        rejects("a zero epsilon", "layer_norm_eps") {
            try Self.encoder(model: good, config: Data(#"{"num_attention_heads": 2, "layer_norm_eps": 0}"#.utf8))
        }
        rejects("heads that do not divide", "multiples of 8") {
            try Self.encoder(model: good, config: Data(#"{"num_attention_heads": 3}"#.utf8))
        }
        rejects("another architecture", "model_type gpt2") { try Self.encoder(model: good, config: Data(#"{"model_type": "gpt2"}"#.utf8)) }
        rejects("not JSON", "config.json is not JSON") { try Self.encoder(model: good, config: Data("{".utf8)) }
        rejects("not safetensors", "tiny.safetensors") { try Self.encoder(model: Array("hello".utf8)) }
    }

    @Test("a CRLF vocabulary reads as an LF one")
    func crlfVocabulary() throws {
        let lf = try WordPieceTokenizer(vocabulary: Self.vocabulary.joined(separator: "\n") + "\n")
        let crlf = try WordPieceTokenizer(vocabulary: Self.vocabulary.joined(separator: "\r\n") + "\r\n")
        #expect(lf.vocabularySize == Self.vocabulary.count && crlf.vocabularySize == lf.vocabularySize)
        #expect(crlf.encode("hello worlds", maxTokens: 16) == lf.encode("hello worlds", maxTokens: 16))
    }
}
