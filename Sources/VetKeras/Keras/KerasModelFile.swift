import VetText
import VetBytes
import VetCore

/// A problem that stops part of a Keras file from being examined.
public struct KerasProblem: Sendable, Equatable {
    /// What kind of problem.
    public enum Kind: String, Sendable {
        /// `config.json`, `model_config` or `training_config` is missing where required, unreadable or not JSON.
        case malformedConfig
        /// The HDF5 structure is broken.
        case malformedHDF5
        /// Valid HDF5 this reader does not implement, or a budget was reached: the file is only partly scanned.
        case unsupportedHDF5
    }

    /// The kind.
    public var kind: Kind
    /// A sentence for a person.
    public var message: String
    /// The archive member (`config.json`) or HDF5 attribute (`model_config`) concerned, if any.
    public var member: String?
    /// Byte offset within that member or the file.
    public var offset: Int?
}

/// A model config read from a `.keras` archive or a legacy Keras `.h5` file, with what it holds.
public struct KerasModelFile: Sendable {
    /// The layout the file uses.
    public enum Layout: String, Sendable {
        /// A Keras 3 `.keras` zip (`config.json`, `metadata.json`, `model.weights.h5`).
        case kerasArchive
        /// A legacy HDF5 model with a `model_config` attribute.
        case legacyModel
        /// An HDF5 file without `model_config`: weights only (`save_weights`, `model.weights.h5`) or plain HDF5.
        case hdf5Weights
    }

    /// The layout.
    public var layout: Layout
    /// One analysed config per source (`config.json`, or the `model_config` and `training_config` attributes).
    public var configs: [KerasConfigSource] = []
    /// The Keras version the file says wrote it (`metadata.json` or the `keras_version` attribute).
    public var kerasVersion: String?
    /// Archive members holding weights, to be scanned as their own formats (HDF5, NumPy `.npz`).
    public var weightMembers: [String] = []
    /// Problems met while reading.
    public var problems: [KerasProblem] = []

    /// Creates an empty result of `layout`.
    public init(layout: Layout) { self.layout = layout }

    /// Parses `text` as a config from `source` and records it, or records why it could not be.
    mutating func addConfig(_ text: ByteSource, source: String, fileOffset: Int? = nil, maxObjects: Int) {
        do {
            let json = try JSONParser.parse(text)
            guard json.members != nil else {
                problems.append(KerasProblem(kind: .malformedConfig, message: "\(source) is a JSON \(json.typeName), not an object",
                                             member: source, offset: 0))
                return
            }
            configs.append(KerasConfigSource(name: source, fileOffset: fileOffset,
                                             analysis: KerasConfig.analyse(json: json, maxObjects: maxObjects)))
        } catch {
            problems.append(KerasProblem(kind: .malformedConfig, message: "\(source) is not valid JSON: \(error.message)",
                                         member: source, offset: error.offset))
        }
    }
}

/// One analysed config and where it came from.
public struct KerasConfigSource: Sendable, Equatable {
    /// `config.json` (an archive member) or the HDF5 attribute name (`model_config`, `training_config`).
    public var name: String
    /// For an HDF5 attribute, the absolute offset of its attribute message; `nil` for an archive member,
    /// whose object offsets are already offsets in the member.
    public var fileOffset: Int?
    /// What the config holds.
    public var analysis: KerasConfigAnalysis
}

extension KerasModelFile: Equatable {
    public static func == (lhs: KerasModelFile, rhs: KerasModelFile) -> Bool {
        lhs.layout == rhs.layout && lhs.configs == rhs.configs && lhs.kerasVersion == rhs.kerasVersion
            && lhs.weightMembers == rhs.weightMembers && lhs.problems == rhs.problems
    }
}
