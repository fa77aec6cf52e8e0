import Crypto
import Foundation
import SwiftASN1
import X509

/// Keys and certificates made on the spot for the signing tests: a root, an intermediate and leaves,
/// written as PEM files the way OpenSSL writes them.
public enum TestPKI {
    public struct Authority {
        public let key: P256.Signing.PrivateKey
        public let certificate: Certificate
        public init(key: P256.Signing.PrivateKey, certificate: Certificate) { self.key = key; self.certificate = certificate }
    }

    public static func name(_ common: String) -> DistinguishedName {
        (try? DistinguishedName { CommonName(common) }) ?? DistinguishedName()  // a constant name always builds
    }

    /// A self-signed CA certificate.
    public static func root(_ common: String = "ModelVet Test Root") throws -> Authority {
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400 * 365),
            issuer: name(common), subject: name(common), signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
        return Authority(key: key, certificate: certificate)
    }

    /// A certificate for `publicKey` issued by `issuer`: a CA when `authority`, else a leaf with the
    /// given key usages.
    public static func issue(_ common: String, publicKey: Certificate.PublicKey, by issuer: Authority, authority: Bool = false,
                             digitalSignature: Bool = true, codeSigning: Bool = true,
                             notBefore: Date = Date().addingTimeInterval(-3600), notAfter: Date = Date().addingTimeInterval(86_400)) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey, notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: issuer.certificate.subject, subject: name(common), signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                if authority {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true))
                } else {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: digitalSignature, keyEncipherment: !digitalSignature))
                    if codeSigning { try ExtendedKeyUsage([.codeSigning]) } else { try ExtendedKeyUsage([.serverAuth]) }
                }
            },
            issuerPrivateKey: .init(issuer.key))
    }

    public static func pem(_ certificate: Certificate) throws -> String { try certificate.serializeAsPEM().pemString + "\n" }

    /// Writes `text` to `path`, creating folders.
    public static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
