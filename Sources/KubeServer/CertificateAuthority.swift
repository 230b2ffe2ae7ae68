import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate authority made on the spot (ECDSA P-256), as `kubeadm` makes a cluster's: it
/// signs the server's serving certificate and client certificates whose subject names a user
/// (common name) and its groups (organizations), as kube-apiserver reads them.
public struct CertificateAuthority: Sendable {
    /// A certificate and its private key, in PEM.
    public struct Issued: Sendable {
        public var certificatePEM: String
        public var privateKeyPEM: String
    }

    /// The authority's own certificate, in PEM: what clients trust.
    public let certificatePEM: String
    private let key: P256.Signing.PrivateKey
    private let name: DistinguishedName

    /// A new authority named `commonName`, valid for ten years.
    public init(commonName: String = "kubescript-ca") throws {
        key = P256.Signing.PrivateKey()
        name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            },
            issuerPrivateKey: .init(key))
        certificatePEM = try certificate.serializeAsPEM().pemString
    }

    /// A serving certificate for `hosts` (DNS names and IP addresses), valid for a year.
    public func issueServer(hosts: [String] = ["localhost", "127.0.0.1"]) throws -> Issued {
        let names: [GeneralName] = hosts.map { host in
            if let address = Self.ipv4(host) { return .ipAddress(ASN1OctetString(contentBytes: address[...])) }
            return .dnsName(host)
        }
        return try issue(subject: DistinguishedName { CommonName(hosts.first ?? "kubescript") }) {
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names)
        }
    }

    /// A client certificate for `user` in `groups`, valid for a year.
    public func issueClient(user: String, groups: [String] = []) throws -> Issued {
        let subject = try DistinguishedName {
            for group in groups { OrganizationName(group) }
            CommonName(user)
        }
        return try issue(subject: subject) {
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.clientAuth])
        }
    }

    private func issue(subject: DistinguishedName,
                       @ExtensionsBuilder extensions: () throws -> Result<Certificate.Extensions, any Error>) throws -> Issued {
        let leaf = P256.Signing.PrivateKey()
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(leaf.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(365 * 86400),
            issuer: name, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions(builder: extensions),
            issuerPrivateKey: .init(key))
        return Issued(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: leaf.pemRepresentation)
    }

    static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { UInt8($0) }
        return bytes.count == 4 ? bytes : nil
    }

    /// The user a verified client certificate names: its common name, in its organizations.
    static func user(ofCertificateDER der: [UInt8]) -> Authentication.User? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        var name: String?
        var groups: [String] = []
        for rdn in certificate.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { name = String(attribute.value) }
                if attribute.type == .RDNAttributeType.organizationName, let group = String(attribute.value) { groups.append(group) }
            }
        }
        guard let name else { return nil }
        return Authentication.User(name: name, groups: groups + ["system:authenticated"])
    }
}
