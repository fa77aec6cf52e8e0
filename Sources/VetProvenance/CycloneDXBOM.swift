import Crypto
import Foundation
import VetBytes
import VetCore

/// A CycloneDX 1.6 JSON bill of materials for a model: the model as a `machine-learning-model`
/// component (model card data, licences, base models as pedigree ancestors, openness), one `file`
/// component per file with its SHA-256, and the scan's findings as vulnerabilities that affect the
/// files they were found in.
public struct CycloneDXBOM: Encodable {
    public struct Inputs {
        public var facts: ModelFacts
        public var manifest: ModelManifest
        public var provenance: ProvenanceSummary
        public var findings: [Finding]
        /// Rule id to remediation text.
        public var remediations: [String: String]
        public var timestamp: Date

        public init(facts: ModelFacts, manifest: ModelManifest, provenance: ProvenanceSummary, findings: [Finding],
                    remediations: [String: String], timestamp: Date) {
            self.facts = facts; self.manifest = manifest; self.provenance = provenance
            self.findings = findings; self.remediations = remediations; self.timestamp = timestamp
        }
    }

    struct Hash: Encodable { var alg = "SHA-256"; var content: String }
    struct Property: Encodable { var name: String; var value: String }
    struct Licence: Encodable {
        var id: String?
        var name: String?
        var url: String?
        var acknowledgement = "declared"
    }
    struct LicenceChoice: Encodable { var license: Licence }
    struct DataRef: Encodable { var type = "dataset"; var name: String }
    struct ModelParameters: Encodable {
        var task: String?
        var architectureFamily: String?
        var datasets: [DataRef]?
    }
    struct ModelCard: Encodable { var modelParameters: ModelParameters }
    struct Ancestor: Encodable { var type = "machine-learning-model"; var name: String }
    struct Pedigree: Encodable { var ancestors: [Ancestor] }
    struct OrganizationalEntity: Encodable { var name: String }

    struct Component: Encodable {
        var type: String
        var bomRef: String
        var name: String
        var version: String?
        var description: String?
        var supplier: OrganizationalEntity?
        var hashes: [Hash]?
        var licenses: [LicenceChoice]?
        var pedigree: Pedigree?
        var modelCard: ModelCard?
        var properties: [Property]?

        enum CodingKeys: String, CodingKey {
            case type, name, version, description, supplier, hashes, licenses, pedigree, modelCard, properties
            case bomRef = "bom-ref"
        }
    }

    struct Tool: Encodable { var type = "application"; var name = "modelvet"; var version = ModelVetVersion.current }
    struct Tools: Encodable { var components = [Tool()] }
    struct Metadata: Encodable {
        var timestamp: String
        var tools = Tools()
        var component: Component
        var properties: [Property]?
    }

    struct Dependency: Encodable { var ref: String; var dependsOn: [String] }
    struct Source: Encodable { var name = "modelvet" }
    struct Rating: Encodable { var source = Source(); var severity: String; var method = "other" }
    struct Affects: Encodable { var ref: String }
    struct Vulnerability: Encodable {
        var bomRef: String
        var id: String
        var source = Source()
        var ratings: [Rating]
        var description: String
        var detail: String?
        var recommendation: String?
        var affects: [Affects]
        var properties: [Property]

        enum CodingKeys: String, CodingKey {
            case id, source, ratings, description, detail, recommendation, affects, properties
            case bomRef = "bom-ref"
        }
    }

    var bomFormat = "CycloneDX"
    var specVersion = "1.6"
    var serialNumber: String
    var version = 1
    var metadata: Metadata
    var components: [Component]
    var dependencies: [Dependency]
    var vulnerabilities: [Vulnerability]?

    public init(_ inputs: Inputs) {
        let facts = inputs.facts, manifest = inputs.manifest, provenance = inputs.provenance
        let modelRef = "model"
        func fileRef(_ name: String) -> String { "file:" + name }
        serialNumber = Self.serial(manifest.rootDigest)
        components = manifest.resources.map { r in
            Component(type: "file", bomRef: fileRef(r.name), name: r.name == "." ? facts.name : r.name,
                      hashes: [Hash(content: r.digest)], properties: [Property(name: "modelvet:size", value: "\(r.size)")])
        }
        dependencies = [Dependency(ref: modelRef, dependsOn: manifest.resources.map { fileRef($0.name) })]

        var properties = [Property(name: "modelvet:manifest:root_digest", value: manifest.rootDigest),
                          Property(name: "modelvet:manifest:files", value: "\(manifest.resources.count)"),
                          Property(name: "modelvet:manifest:bytes", value: "\(manifest.totalBytes)")]
        if let p = facts.parameters { properties.append(.init(name: "modelvet:parameters", value: "\(p)")) }
        if let q = facts.quantisation { properties.append(.init(name: "modelvet:quantisation", value: q)) }
        for format in facts.formats { properties.append(.init(name: "modelvet:format", value: format)) }
        for type in facts.tensorTypes.keys.sorted() { properties.append(.init(name: "modelvet:tensor_type", value: "\(type): \(facts.tensorTypes[type] ?? 0)")) }
        for language in facts.languages { properties.append(.init(name: "modelvet:language", value: language)) }
        properties.append(.init(name: "modelvet:openness", value: provenance.openness ?? "below Class III (Model Openness Framework)"))
        for c in provenance.components where c.present {
            properties.append(.init(name: "modelvet:openness:component", value: "\(c.name): \(c.evidence ?? "present")"))
        }
        for gap in provenance.opennessGaps { properties.append(.init(name: "modelvet:openness:gap", value: gap)) }
        for licence in provenance.licences {
            for r in licence.restrictions { properties.append(.init(name: "modelvet:licence:restriction", value: "\(licence.name): \(r)")) }
        }
        for note in provenance.notes { properties.append(.init(name: "modelvet:note", value: note)) }

        let licences = provenance.licences.map { l in
            LicenceChoice(license: l.spdx.map { Licence(id: $0) } ?? Licence(name: l.name, url: l.url))
        }
        let parameters = ModelParameters(
            task: facts.task, architectureFamily: facts.architecture,
            datasets: facts.datasets.isEmpty ? nil : facts.datasets.map { DataRef(name: $0.value) })
        let model = Component(
            type: "machine-learning-model", bomRef: modelRef, name: facts.name, description: facts.description,
            supplier: facts.organization.map { OrganizationalEntity(name: $0) },
            hashes: manifest.resources.count == 1 ? [Hash(content: manifest.resources[0].digest)] : nil,
            licenses: licences.isEmpty ? nil : licences,
            pedigree: facts.baseModels.isEmpty ? nil : Pedigree(ancestors: facts.baseModels.map { Ancestor(name: $0.value) }),
            modelCard: ModelCard(modelParameters: parameters), properties: properties)
        metadata = Metadata(timestamp: Self.iso8601(inputs.timestamp), component: model)

        let folder = URL(fileURLWithPath: facts.path).standardizedFileURL.path
        let refs = Set(manifest.resources.map { fileRef($0.name) })
        let vulnerabilities = inputs.findings.sorted().enumerated().map { index, finding -> Vulnerability in
            let file = URL(fileURLWithPath: finding.location.file).standardizedFileURL.path
            let relative = file == folder ? "." : file.hasPrefix(folder + "/") ? String(file.dropFirst(folder.count + 1)) : file
            let ref = refs.contains(fileRef(relative)) ? fileRef(relative) : modelRef
            return Vulnerability(
                bomRef: "finding-\(index + 1)", id: finding.ruleID, ratings: [Rating(severity: finding.severity.name)],
                description: finding.message, detail: finding.evidence.map { "evidence: \($0)" },
                recommendation: inputs.remediations[finding.ruleID], affects: [Affects(ref: ref)],
                properties: [Property(name: "modelvet:location", value: finding.location.description)])
        }
        self.vulnerabilities = vulnerabilities.isEmpty ? nil : vulnerabilities
    }

    /// A UUID (RFC 4122 layout, version 5 bits) derived from the manifest's root digest, so the same
    /// files give the same serial number.
    static func serial(_ root: String) -> String {
        var bytes = Array(SHA256.hash(data: Data(("modelvet-bom:" + root).utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Hex.encode(bytes)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { r in
            String(hex[hex.index(hex.startIndex, offsetBy: r.lowerBound)..<hex.index(hex.startIndex, offsetBy: r.upperBound)])
        }
        return "urn:uuid:" + parts.joined(separator: "-")
    }

    /// Records the scan's reach in the model component's properties.
    public mutating func record(scanned: Bool, unscanned: [String]) {
        var properties = metadata.component.properties ?? []
        properties.append(.init(name: "modelvet:scan", value: !scanned ? "not run" : unscanned.isEmpty ? "complete" : "partial"))
        properties += unscanned.map { Property(name: "modelvet:scan:unscanned", value: $0) }
        metadata.component.properties = properties
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
