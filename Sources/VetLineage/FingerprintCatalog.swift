import Foundation

/// The fingerprints shipped inside ModelVet (`lineage --against builtin`), generated from the real
/// models this project tests with by `scripts/make_fingerprint_catalog.sh` into
/// `FingerprintCatalogData.swift`; `FingerprintTests` recompute each from its model and require the
/// same bytes.
public enum FingerprintCatalog {
    public static func builtin() throws -> [Fingerprint] {
        try FingerprintFile.parse(Data(FingerprintCatalogData.json.utf8), name: "the built-in fingerprint catalogue")
    }
}
