import Foundation

/// A model's fingerprint (schema `modelvet-fingerprint/1`): the cosine similarities among 256 of its
/// token embeddings, spread evenly over the vocabulary, each row centred on the mean of the 256.
/// These are what `lineage` calls the embedding geometry: unchanged by re-quantisation, format, a
/// rotation or permutation of the residual stream and per-dimension rescaling, and moved only a
/// little by fine-tuning, while two independently trained models share almost none of it. About
/// 43 KB of JSON, so a catalogue of known models can ship inside ModelVet (`FingerprintCatalog`) and
/// a model can be placed without its base's weights (`modelvet lineage MODEL --against …`).
///
/// A fingerprint compares only models that number their tokens alike (the same tokenizer, or one
/// extended at the end): it says which family a model's embedding table comes from, not whether
/// its weights equal the family member's; `lineage A B` with both models' weights says that.
public struct Fingerprint: Codable, Sendable, Equatable {
    public var schema = "modelvet-fingerprint/1"
    /// The model's name, as the user or the catalogue gives it.
    public var name: String
    /// Where the weights were read (a file name, a package), for the record.
    public var source: String
    public var format: String
    public var architecture: String?
    /// The embedding tensor read, its rows (the vocabulary) and width.
    public var tensor: String
    public var vocabulary: Int
    public var width: Int
    /// The token ids, ascending.
    public var ids: [Int]
    /// Base64 of the upper triangle (i < j, row by row) of the similarity matrix, each value
    /// rounded to a signed byte (× 127).
    public var similarities: String

    public func json() throws -> String { try reportJSON(self) }

    /// Tokens a fingerprint holds (the same number lineage's geometry uses).
    public static let tokens = 256

    enum CodingKeys: String, CodingKey {
        case schema, name, source, format, architecture, tensor, vocabulary, width, ids, similarities
    }

    /// The token embedding of a model: GGUF's `token_embd.weight` (Hugging Face decoders map to it),
    /// BERT's `…word_embeddings.weight`, GPT-2's `wte.weight`, else the output matrix of a model
    /// whose embedding is tied to it.
    public static func embedding(in store: TensorStore, path: String) throws -> TensorEntry {
        let matrices = store.entries.filter { $0.shape.count == 2 }
        let found = matrices.first { $0.name == "token_embd.weight" }
            ?? matrices.first { $0.name.hasSuffix("word_embeddings.weight") || $0.name.hasSuffix("embed_tokens.weight") || $0.name.hasSuffix("wte.weight") }
            ?? matrices.first { $0.name == "output.weight" }
        guard let entry = found else {
            throw LineageError("\(path): no token embedding matrix (token_embd.weight, embed_tokens, word_embeddings or wte); fingerprints are for language models")
        }
        guard entry.rowCount >= 2 * tokens, entry.columns >= 2 else {
            throw LineageError("\(path): the embedding \(entry.stored) has \(entry.rowCount) rows of \(entry.columns); a fingerprint needs at least \(2 * tokens) tokens")
        }
        return entry
    }

    /// The fingerprint of the model in `store`.
    public static func make(_ store: TensorStore, path: String, name: String) throws -> Fingerprint {
        let entry = try embedding(in: store, path: path)
        let ids = (0..<tokens).map { $0 * entry.rowCount / tokens }
        let values = try similarities(store, entry, ids: ids)
        let bytes = values.map { UInt8(bitPattern: Int8(max(-127, min(127, ($0 * 127).rounded())))) }
        return Fingerprint(name: name, source: (path as NSString).lastPathComponent, format: store.format, architecture: store.architecture,
                           tensor: entry.stored, vocabulary: entry.rowCount, width: entry.columns, ids: ids,
                           similarities: Data(bytes).base64EncodedString())
    }

    /// The upper triangle of the centred cosine similarities among rows `ids` of `entry`.
    static func similarities(_ store: TensorStore, _ entry: TensorEntry, ids: [Int]) throws -> [Double] {
        let rows = Embeddings.centredUnitRows(try Embeddings.rows(store, entry, ids: ids), width: entry.columns, rows: ids.count)
        return Embeddings.triangle(rows, width: entry.columns, rows: Array(ids.indices))
    }

    /// The stored similarities as numbers.
    /// - Throws: `LineageError` when they are not base64 of the triangle `ids` needs.
    func values() throws -> [Double] {
        let n = ids.count
        guard n >= 2, ids == ids.sorted(), Set(ids).count == n, ids.first! >= 0,
              let data = Data(base64Encoded: similarities), data.count == n * (n - 1) / 2 else {
            throw LineageError("fingerprint \(name): its ids or similarities are damaged (\(n) ids need \(n * (n - 1) / 2) bytes)")
        }
        return data.map { Double(Int8(bitPattern: $0)) / 127 }
    }

    /// How `store`'s model compares with this fingerprint: the correlation of its similarities
    /// among the same token ids with the stored ones.
    public func match(_ store: TensorStore, path: String) throws -> FingerprintMatch {
        let stored = try values()
        let entry = try Self.embedding(in: store, path: path)
        guard let last = ids.last, last < entry.rowCount else {
            return FingerprintMatch(name: name, geometry: nil, relation: "not-comparable",
                                    reason: "the model has \(entry.rowCount) tokens; this fingerprint reads token ids up to \(ids.last ?? 0)")
        }
        var notes: String?
        if entry.rowCount != vocabulary {
            notes = "vocabularies of \(entry.rowCount) and \(vocabulary) tokens: compared by id"
        }
        let geometry = ModelDiff.rounded(Embeddings.pearson(try Self.similarities(store, entry, ids: ids), stored))
        return FingerprintMatch(name: name, geometry: geometry, relation: geometry >= Lineage.Threshold.derivedGeometry ? "derived" : "unrelated",
                                reason: notes)
    }
}

/// One catalogue entry against the examined model.
public struct FingerprintMatch: Codable, Sendable, Equatable {
    public var name: String
    /// The correlation of the two similarity triangles; nil when they could not be compared.
    public var geometry: Double?
    /// `derived` (this family: the same weights or derived from them), `unrelated`, or `not-comparable`.
    public var relation: String
    public var reason: String?
}

/// The examined model against a catalogue of fingerprints (schema `modelvet-lineage-catalog/1`).
public struct CatalogLineage: Codable, Sendable {
    public var schema = "modelvet-lineage-catalog/1"
    public var model: String
    public var catalogue: String
    /// `derived` when some entry's geometry reaches `Lineage.Threshold.derivedGeometry`, else `unrelated`.
    public var relation: String
    /// The best match at or above the threshold, if any.
    public var family: String?
    public var confidence: Double
    public var candidates: [FingerprintMatch]
    public var notes: [String]

    /// Every entry of `catalogue` against the model in `store`, best first.
    public static func compare(_ store: TensorStore, path: String, catalogue: [Fingerprint], named catalogueName: String) throws -> CatalogLineage {
        guard !catalogue.isEmpty else { throw LineageError("\(catalogueName): the catalogue holds no fingerprints") }
        let matches = try catalogue.map { try $0.match(store, path: path) }
            .sorted { ($0.geometry ?? -2) > ($1.geometry ?? -2) }
        let best = matches.first { $0.relation == "derived" }
        let threshold = Lineage.Threshold.derivedGeometry
        // Confidence: how far the best geometry sits from the threshold, as a share of the room on
        // that side of it (towards 1 for derived, towards 0 for unrelated).
        let top = matches.first?.geometry ?? 0
        let confidence = best != nil ? min(0.99, 0.5 + (top - threshold) / (1 - threshold) / 2)
            : min(0.99, 0.5 + (threshold - max(top, 0)) / threshold / 2)
        var notes = ["a fingerprint tells the family a model's token embeddings come from, not whether its weights equal that model's; "
                     + "compare the weights with `modelvet lineage BASE MODEL` for same-weights, update rank and abliteration"]
        if matches.allSatisfy({ $0.geometry == nil }) { notes.append("no fingerprint in the catalogue could be compared with this model") }
        return CatalogLineage(model: path, catalogue: catalogueName, relation: best == nil ? "unrelated" : "derived", family: best?.name,
                              confidence: ModelDiff.rounded(confidence), candidates: matches, notes: notes)
    }

    public func json() throws -> String { try reportJSON(self) }

    public var text: String {
        var out = "model: \(model)\ncatalogue: \(catalogue) (\(candidates.count) fingerprints)\n"
        if let family {
            out += "relation: derived from the \(family) family (confidence \(String(format: "%.2f", confidence)))\n"
        } else {
            out += "relation: unrelated to every fingerprint in the catalogue (confidence \(String(format: "%.2f", confidence)))\n"
        }
        out += "\nembedding geometry against each fingerprint (derived at \(Lineage.Threshold.derivedGeometry) or more):\n"
        for m in candidates {
            let g = m.geometry.map { String(format: "%7.3f", $0) } ?? "    n/a"
            out += "  \(g)  \(m.relation.padding(toLength: 14, withPad: " ", startingAt: 0)) \(m.name)\(m.reason.map { "  (\($0))" } ?? "")\n"
        }
        for n in notes { out += "\nnote: \(n)\n" }
        return out
    }
}

/// Fingerprint files: one fingerprint, or a catalogue `{"fingerprints": [...]}`.
public enum FingerprintFile {
    public static func read(_ path: String) throws -> [Fingerprint] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw LineageError("\(path): cannot be read") }
        return try parse(data, name: path)
    }

    static func parse(_ data: Data, name: String) throws -> [Fingerprint] {
        struct Catalogue: Decodable { var fingerprints: [Fingerprint] }
        let decoder = JSONDecoder()
        let list: [Fingerprint]
        if let catalogue = try? decoder.decode(Catalogue.self, from: data) {  // else: one fingerprint, or the error below
            list = catalogue.fingerprints
        } else {
            do { list = [try decoder.decode(Fingerprint.self, from: data)] } catch {
                throw LineageError("\(name): not a fingerprint or a catalogue of fingerprints (\(error))")
            }
        }
        for f in list {
            guard f.schema == "modelvet-fingerprint/1" else { throw LineageError("\(name): fingerprint \(f.name) has schema \(f.schema)") }
            _ = try f.values()
        }
        return list
    }
}
