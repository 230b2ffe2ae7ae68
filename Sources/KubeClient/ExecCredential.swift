import Crypto
import Foundation
import KubeAPI
import NIOConcurrencyHelpers

/// A kubeconfig user's `exec` credential plugin (`client.authentication.k8s.io/v1` or
/// `v1beta1`), as client-go runs it.
public struct ExecConfig: Sendable, Hashable {
    public var apiVersion: String
    public var command: String
    public var args: [String]
    public var env: [String: String]
    /// `Never`, `IfAvailable` or `Always` (v1 requires it; v1beta1 defaults to `IfAvailable`).
    public var interactiveMode: String
    public var installHint: String?
    public var provideClusterInfo: Bool

    static let versions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    init(_ fields: JSONValue, folder: String, label: String) throws(KubeError) {
        guard let apiVersion = fields["apiVersion"]?.stringValue, Self.versions.contains(apiVersion) else {
            throw .configuration("\(label): exec.apiVersion must be one of \(Self.versions.joined(separator: ", "))")
        }
        guard let command = fields["command"]?.stringValue, !command.isEmpty else { throw .configuration("\(label): exec.command is missing") }
        self.apiVersion = apiVersion
        // a command with a slash but not absolute is relative to the kubeconfig's folder
        self.command = command.contains("/") && !command.hasPrefix("/") && !folder.isEmpty ? folder + "/" + command : command
        args = (fields["args"]?.arrayValue ?? []).compactMap(\.stringValue)
        var env: [String: String] = [:]
        for item in fields["env"]?.arrayValue ?? [] {
            guard let name = item["name"]?.stringValue else { throw .configuration("\(label): exec.env entries need a name") }
            env[name] = item["value"]?.stringValue ?? ""
        }
        self.env = env
        let mode = fields["interactiveMode"]?.stringValue
        if apiVersion.hasSuffix("/v1"), mode == nil { throw .configuration("\(label): exec.interactiveMode is required for \(apiVersion)") }
        interactiveMode = mode ?? "IfAvailable"
        guard ["Never", "IfAvailable", "Always"].contains(interactiveMode) else {
            throw .configuration("\(label): exec.interactiveMode must be Never, IfAvailable or Always")
        }
        installHint = fields["installHint"]?.stringValue
        provideClusterInfo = fields["provideClusterInfo"]?.boolValue ?? false
    }
}

/// What an exec plugin gives: a token or a client certificate, until it expires.
public struct ExecCredential: Sendable {
    public var token: String?
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    /// Seconds since 1970; nil: good until the server refuses it.
    public var expiration: Double?

    func isFresh(now: Double) -> Bool { expiration.map { now < $0 - 10 } ?? true }
}

/// Runs exec plugins and keeps their credentials: in memory, and in a file under the cache
/// folder (`~/.kube/cache/kubescript/exec/`) for credentials that say when they expire, so that
/// the next run of kubescript does not run the plugin again. After a 401 the plugin runs again.
public final class ExecCredentialProvider: @unchecked Sendable {
    let config: ExecConfig
    let server: String
    let cacheFolder: String?
    private let lock = NIOLock()
    private var current: ExecCredential?
    /// How many times the plugin ran (for tests and `-v` logs).
    public private(set) var runs = 0

    public init(config: ExecConfig, server: String, cacheFolder: String?) {
        self.config = config
        self.server = server
        self.cacheFolder = cacheFolder
    }

    /// The cache file's name: a hash of the plugin and the server, never the credential.
    var cacheFile: String? {
        guard let cacheFolder else { return nil }
        let key = ([config.command] + config.args + config.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + [server])
            .joined(separator: "\u{0}")
        let digest = SHA256.hash(data: Array(key.utf8)).map { String(format: "%02x", $0) }.joined()
        return cacheFolder + "/" + digest + ".json"
    }

    /// A fresh credential: the one held, the cached one, or a new one from the plugin.
    public func credential(refresh: Bool = false) throws(KubeError) -> ExecCredential {
        let result: Result<ExecCredential, KubeError> = lock.withLock {
            let now = Date().timeIntervalSince1970
            if !refresh, let current, current.isFresh(now: now) { return .success(current) }
            if !refresh, let cached = readCache(), cached.isFresh(now: now) {
                current = cached
                return .success(cached)
            }
            return Result { () throws(KubeError) in
                let credential = try run()
                current = credential
                writeCache(credential)
                return credential
            }
        }
        return try result.get()
    }

    private func readCache() -> ExecCredential? {
        guard let path = cacheFile, let data = FileManager.default.contents(atPath: path),
              let value = try? JSONValue.parse([UInt8](data)) else { return nil }
        return try? Self.credential(from: value, label: "cached credential")
    }

    private func writeCache(_ credential: ExecCredential) {
        guard credential.expiration != nil, let path = cacheFile, let folder = cacheFolder else { return }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var status = JSONObject()
        if let token = credential.token { status["token"] = .string(token) }
        if let certificate = credential.clientCertificatePEM { status["clientCertificateData"] = .string(certificate) }
        if let key = credential.clientKeyPEM { status["clientKeyData"] = .string(key) }
        if let expiration = credential.expiration { status["expirationTimestamp"] = .string(Self.timestamp(expiration)) }
        let body = JSONValue.object(["kind": .string("ExecCredential"), "apiVersion": .string(config.apiVersion), "status": .object(status)]).serialized()
        _ = FileManager.default.createFile(atPath: path, contents: Data(body), attributes: [.posixPermissions: 0o600])
    }

    private func run() throws(KubeError) -> ExecCredential {
        runs += 1
        var environment = ProcessInfo.processInfo.environment.merging(config.env) { $1 }
        var spec: JSONObject = ["interactive": .bool(false)]
        if config.provideClusterInfo { spec["cluster"] = .object(["server": .string(server)]) }
        environment["KUBERNETES_EXEC_INFO"] = JSONValue.object([
            "kind": .string("ExecCredential"), "apiVersion": .string(config.apiVersion), "spec": .object(spec),
        ]).jsonString()
        let hint = config.installHint.map { "\n\($0)" } ?? ""
        let process: ChildProcess
        do {
            process = try ChildProcess.run(config.command, config.args, environment: environment)
        } catch {
            throw .configuration("exec plugin \(config.command): cannot be run: \(error.description)\(hint)")
        }
        guard process.status == 0 else {
            let said = String(decoding: process.stderr.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .configuration("exec plugin \(config.command): exit status \(process.status)\(said.isEmpty ? "" : ": \(said)")\(hint)")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(process.stdout)
        } catch {
            throw .configuration("exec plugin \(config.command): its output is not an ExecCredential: \(error.description)")
        }
        guard value["apiVersion"]?.stringValue == config.apiVersion else {
            throw .configuration("exec plugin \(config.command): it answered apiVersion \(value["apiVersion"]?.stringValue ?? "(none)"), expected \(config.apiVersion)")
        }
        return try Self.credential(from: value, label: "exec plugin \(config.command)")
    }

    static func credential(from value: JSONValue, label: String) throws(KubeError) -> ExecCredential {
        guard value["kind"]?.stringValue == "ExecCredential", let status = value["status"] else {
            throw .configuration("\(label): not an ExecCredential with a status")
        }
        var credential = ExecCredential()
        credential.token = status["token"]?.stringValue
        credential.clientCertificatePEM = status["clientCertificateData"]?.stringValue
        credential.clientKeyPEM = status["clientKeyData"]?.stringValue
        if let text = status["expirationTimestamp"]?.stringValue {
            guard let time = RFC3339.parse(text) else { throw .configuration("\(label): expirationTimestamp \(text) is not RFC 3339") }
            credential.expiration = Double(time.seconds) + Double(time.nanos) / 1e9
        }
        guard credential.token != nil || (credential.clientCertificatePEM != nil && credential.clientKeyPEM != nil) else {
            throw .configuration("\(label): the credential has neither a token nor a client certificate and key")
        }
        return credential
    }

    static func timestamp(_ seconds: Double) -> String {
        RFC3339.string(seconds: Int64(seconds.rounded(.down)))
    }
}
