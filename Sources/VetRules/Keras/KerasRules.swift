import VetBytes
import VetCore
import VetArchives
import VetKeras

/// Runs the Keras and HDF5 rules over a `.keras` archive or a legacy `.h5` file.
public enum KerasRules {
    /// Every Keras and HDF5 rule, in catalogue order.
    public static var all: [RuleDescriptor] {
        [KerasLambdaRule.descriptor, KerasSafeModeBypassRule.descriptor, KerasCustomObjectRule.descriptor,
         KerasMalformedRule.descriptor, HDF5MalformedRule.descriptor]
    }

    /// What the scanner needs after the rules ran.
    public struct Outcome: Sendable, Equatable {
        /// The model as read.
        public var model: KerasModelFile
        /// Archive members holding weights, to be scanned as their own formats.
        public var weightMembers: [String] { model.weightMembers }
        /// Why the file is only partly scanned (unsupported HDF5 structures, budgets); empty when fully scanned.
        public var partialReasons: [String] {
            model.problems.filter { $0.kind == .unsupportedHDF5 }.map(\.message)
        }
    }

    /// Reads `archive` as a `.keras` file and reports what its config holds.
    /// - Parameters:
    ///   - archive: A zip for which `KerasArchive.isKerasArchive` is true.
    ///   - location: The archive's location; findings go to its `config.json` member.
    ///   - budget: The decompression budget of the top-level file.
    ///   - limits: Scan limits.
    ///   - sink: Receives the findings.
    public static func checkArchive(_ archive: ZipArchive, at location: Location, budget: inout DecompressionBudget,
                                    limits: ScanLimits, into sink: inout FindingSink) -> Outcome {
        let model = KerasArchive.read(archive, budget: &budget, limits: limits)
        check(model, at: location, into: &sink)
        return Outcome(model: model)
    }

    /// Opens `source` as HDF5, reads the legacy Keras attributes and reports what they hold.
    /// - Parameters:
    ///   - source: The file (or archive member) bytes.
    ///   - location: Its location.
    ///   - limits: Scan limits.
    ///   - sink: Receives the findings.
    public static func checkHDF5(_ source: ByteSource, at location: Location, limits: ScanLimits,
                                 into sink: inout FindingSink) -> Outcome {
        let model: KerasModelFile
        do {
            model = KerasHDF5.read(try HDF5File.open(source, limits: HDF5Limits(limits)), limits: limits)
        } catch {
            var failed = KerasModelFile(layout: .hdf5Weights)
            failed.problems.append(KerasHDF5.problem(error, member: nil))
            model = failed
        }
        check(model, at: location, into: &sink)
        return Outcome(model: model)
    }

    /// Reports everything `model` holds: code, unsafe references, custom objects and problems.
    public static func check(_ model: KerasModelFile, at location: Location, into sink: inout FindingSink) {
        for problem in model.problems {
            let place = problem.member.map { model.layout == .kerasArchive ? location.member($0) : location } ?? location
            let at = problem.offset.map { place.at($0) } ?? place
            switch problem.kind {
            case .malformedConfig: sink.report(KerasMalformedRule.descriptor, problem.message, at: at)
            case .malformedHDF5: sink.report(HDF5MalformedRule.descriptor, "HDF5 structure is malformed: \(problem.message)", at: at)
            case .unsupportedHDF5: continue
            }
        }
        for config in model.configs {
            let site = ConfigSite(config: config, file: location, isArchive: model.layout == .kerasArchive)
            KerasLambdaRule.check(config.analysis, site: site, legacy: model.layout != .kerasArchive, into: &sink)
            let flagged = KerasSafeModeBypassRule.check(config.analysis, site: site, into: &sink)
            KerasCustomObjectRule.check(config.analysis, site: site, skipping: flagged, into: &sink)
        }
    }

    /// Where a config's findings go: the `config.json` member at the object's offset, or the HDF5
    /// attribute message that holds the config.
    struct ConfigSite {
        let config: KerasConfigSource
        let file: Location
        let isArchive: Bool

        func location(_ offset: Int) -> Location {
            if isArchive { return file.member(config.name).at(offset) }
            return config.fileOffset.map { file.at($0) } ?? file
        }

        /// `config.json: config.layers[1]` or `model_config: config.layers[1]`.
        func describe(_ path: String) -> String { "\(config.name) \(path)" }
    }
}

/// Which packages' objects Keras configs may name without being custom code.
public enum KerasPackages {
    /// Packages whose modules and registered names are trusted.
    public static let allowed = ["keras", "tensorflow", "tf_keras", "keras_nlp", "keras_hub", "keras_cv"]

    /// Whether `module` is one of `allowed` or inside one.
    public static func isAllowed(module: String) -> Bool {
        allowed.contains { module == $0 || module.hasPrefix($0 + ".") }
    }

    /// The package of a registered name (`MyPackage>MyLayer` → `MyPackage`), or `nil` without one.
    public static func package(ofRegisteredName name: String) -> String? {
        guard let separator = name.firstIndex(of: ">") else { return nil }
        return String(name[..<separator])
    }
}
