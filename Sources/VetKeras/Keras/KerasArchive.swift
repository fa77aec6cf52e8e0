import VetArchives
import VetText
import VetBytes
import VetCore

/// Reads the Keras 3 `.keras` layout from a zip opened with `ZipArchive.parse`.
public enum KerasArchive {
    /// Member names Keras 3 writes weights to.
    public static let weightMemberNames = ["model.weights.h5", "model.weights.npz"]

    /// Whether Keras would load `archive` as a `.keras` file: it has a `config.json` member and is
    /// named `.keras` (which is how `keras.models.load_model` picks the format; the config alone is
    /// enough for it to deserialise layers), or carries Keras's `metadata.json` or weights beside it.
    /// - Parameters:
    ///   - archive: The parsed zip.
    ///   - name: The file or member name the archive was found under.
    public static func isKerasArchive(_ archive: ZipArchive, name: String) -> Bool {
        let names = Set(archive.entries.map(\.name))
        guard names.contains("config.json") else { return false }
        return name.lowercased().hasSuffix(".keras") || names.contains("metadata.json")
            || weightMemberNames.contains { names.contains($0) }
    }

    /// Reads and analyses `config.json` and `metadata.json`, and lists the weight members.
    ///
    /// Members are looked up by central-directory name as Python's `zipfile` does: the last of duplicates wins.
    /// - Parameters:
    ///   - archive: The parsed zip.
    ///   - budget: The decompression budget of the top-level file.
    ///   - limits: Scan limits (`maxEntries` bounds the objects listed from the config).
    public static func read(_ archive: ZipArchive, budget: inout DecompressionBudget, limits: ScanLimits) -> KerasModelFile {
        var model = KerasModelFile(layout: .kerasArchive)
        model.weightMembers = weightMemberNames.filter { !archive.entries(named: $0).isEmpty }
        // The version is shown for information only: Keras itself never reads metadata.json, and
        // the member is scanned as a JSON config with the rest of the archive, which reports it
        // when it cannot be read.
        if let metadata = archive.entries(named: "metadata.json").last {
            do {
                let json = try JSONParser.parse(try archive.contents(of: metadata, budget: &budget, limits: limits), maxDepth: 16)
                model.kerasVersion = json["keras_version"]?.string
            } catch {
                model.kerasVersion = nil
            }
        }
        guard let entry = archive.entries(named: "config.json").last else {
            model.problems.append(KerasProblem(kind: .malformedConfig, message: "archive has no config.json",
                                               member: "config.json", offset: nil))
            return model
        }
        do {
            let bytes = try archive.contents(of: entry, budget: &budget, limits: limits)
            model.addConfig(bytes, source: "config.json", maxObjects: limits.maxEntries)
        } catch {
            model.problems.append(KerasProblem(kind: .malformedConfig, message: "config.json cannot be read: \(error)",
                                               member: "config.json", offset: nil))
        }
        return model
    }
}

/// Reads the legacy Keras layout from an HDF5 file: the `model_config` and `training_config` root attributes.
public enum KerasHDF5 {
    /// Reads the root attributes of `file` and analyses the model and training configs they hold.
    ///
    /// Never throws: HDF5 failures become `.malformedHDF5` or `.unsupportedHDF5` problems, so the caller can
    /// report the file as malformed or partly scanned.
    /// - Parameters:
    ///   - file: The opened HDF5 file.
    ///   - limits: Scan limits (`maxEntries` bounds the objects listed from a config).
    public static func read(_ file: HDF5File, limits: ScanLimits = ScanLimits()) -> KerasModelFile {
        var model = KerasModelFile(layout: .hdf5Weights)
        if let mismatch = file.lengthMismatch {
            model.problems.append(KerasProblem(kind: .malformedHDF5, message: mismatch, member: nil, offset: file.superblock.offset))
        }
        let attributes: [HDF5Attribute]
        do {
            attributes = try file.rootAttributes()
        } catch {
            model.problems.append(problem(error, member: nil))
            return model
        }
        model.kerasVersion = attributes.last { $0.name == "keras_version" }?.value.string
        for name in ["model_config", "training_config"] {
            guard let attribute = attributes.last(where: { $0.name == name }) else { continue }
            if name == "model_config" { model.layout = .legacyModel }
            guard let text = attribute.value.string else {
                model.problems.append(KerasProblem(kind: .malformedConfig, message: "\(name) attribute is not a single string",
                                                   member: name, offset: attribute.offset))
                continue
            }
            model.addConfig(ByteSource(Array(text.utf8)), source: name, fileOffset: attribute.offset, maxObjects: limits.maxEntries)
        }
        return model
    }

    /// Converts an HDF5 error to a problem of the matching kind.
    public static func problem(_ error: HDF5Error, member: String?) -> KerasProblem {
        KerasProblem(kind: error.kind == .malformed ? .malformedHDF5 : .unsupportedHDF5, message: error.message,
                     member: member, offset: error.offset)
    }
}
