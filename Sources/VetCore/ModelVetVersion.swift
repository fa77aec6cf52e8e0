/// The version of ModelVet reported by the CLI and written into reports.
public enum ModelVetVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
    /// Version of the JSON report schema (`docs/report-schema.md`).
    public static let jsonSchema = "1.3.0"
}
