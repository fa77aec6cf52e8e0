/// What a model's files say about its licence and how open it is, as reports show it (computed by
/// VetProvenance; carried here so every report writer can render it).
public struct ProvenanceSummary: Sendable, Codable, Hashable {
    /// One licence found, with everywhere it was found.
    public struct Licence: Sendable, Codable, Hashable {
        /// The catalogue id (the model card's `license:` value), or the declared text when unrecognised.
        public var id: String
        public var name: String
        public var spdx: String?
        /// permissive, copyleft, open-data, responsible-ai, custom-restricted, non-commercial or unrecognised.
        public var category: String
        /// Open in the Model Openness Framework's sense (OSI-approved, or an open data licence).
        public var open: Bool
        public var restrictions: [String]
        public var url: String?
        /// Where it was found: "README.md front matter", "LICENSE", "model.gguf (GGUF metadata)".
        public var sources: [String]

        public init(id: String, name: String, spdx: String?, category: String, open: Bool, restrictions: [String], url: String?, sources: [String]) {
            self.id = id; self.name = name; self.spdx = spdx; self.category = category
            self.open = open; self.restrictions = restrictions; self.url = url; self.sources = sources
        }
    }

    /// One Model Openness Framework component and whether the files hold it.
    public struct Component: Sendable, Codable, Hashable {
        public var name: String
        /// The lowest MOF class that requires it (3, 2 or 1).
        public var mofClass: Int
        public var present: Bool
        /// The files or metadata that show it.
        public var evidence: String?

        public init(name: String, mofClass: Int, present: Bool, evidence: String?) {
            self.name = name; self.mofClass = mofClass; self.present = present; self.evidence = evidence
        }

        enum CodingKeys: String, CodingKey {
            case name, present, evidence
            case mofClass = "mof_class"
        }
    }

    /// The model path the summary describes.
    public var path: String
    public var licences: [Licence]
    /// The Model Openness Framework class the files reach ("Class I — Open Science", "Class II — Open
    /// Tooling", "Class III — Open Model"), or nil.
    public var openness: String?
    /// Why no higher class is reached.
    public var opennessGaps: [String]
    public var components: [Component]
    /// Conflicting or unrecognised licence declarations, unreadable metadata.
    public var notes: [String]

    public init(path: String, licences: [Licence], openness: String?, opennessGaps: [String], components: [Component], notes: [String]) {
        self.path = path; self.licences = licences; self.openness = openness
        self.opennessGaps = opennessGaps; self.components = components; self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case path, licences, openness, components, notes
        case opennessGaps = "openness_gaps"
    }

    /// One line: the licences and the class.
    public var headline: String {
        let licence = licences.isEmpty ? "no licence found" : licences.map { $0.spdx ?? $0.name }.joined(separator: " + ")
        return "\(licence) · openness: \(openness ?? "below Class III (MOF)")"
    }
}
