import Foundation
import KubeAPI

/// Where and how to reach a cluster: the server, TLS, credentials, default namespace, and the
/// client's own limits. Made from kubeconfig files (clientcmd's rules) or from inside a Pod.
public struct ClientConfiguration: Sendable {
    /// How requests authenticate.
    public enum Credentials: Sendable {
        case none
        case token(String)
        /// A file holding the token, read again when it changes (service-account tokens rotate).
        case tokenFile(String)
        case basic(username: String, password: String)
        case exec(ExecCredentialProvider)

        /// Whether making the Authorization header may wait: run a plugin, or read a file.
        var mayBlock: Bool {
            switch self {
            case .tokenFile, .exec: return true
            case .none, .token, .basic: return false
            }
        }
    }

    /// `https://host:port`, without a trailing slash.
    public var server: String
    /// The namespace of the context (`default` when it names none).
    public var namespace: String
    /// PEM of the authorities to trust; nil: the system's.
    public var certificateAuthorityPEM: [UInt8]?
    public var insecureSkipTLSVerify = false
    /// The name to verify the server's certificate against, when not the server's host.
    public var tlsServerName: String?
    /// A client certificate and its key, in PEM.
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    public var credentials: Credentials = .none
    /// The context used (nil in-cluster).
    public var context: String?
    /// Seconds before a request without its own timeout gives up (0: never).
    public var timeout: Double = 0
    /// A client-side rate limit (requests per second and burst); nil: none.
    public var rateLimit: (qps: Double, burst: Int)?
    public var userAgent = "kubescript/0.1.0"
    /// Every write a `ResourceClient` sends carries `dryRun=All` (kubectl's `--dry-run=server`).
    public var dryRun = false
    /// HTTP/2 over TLS when the server offers it (ALPN): one connection for every request and
    /// watch at once, at some CPU per request; HTTP/1.1 otherwise, a connection per request in flight.
    public var http2 = false

    public init(server: String, namespace: String = "default") {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.namespace = namespace
    }

    /// The configuration client-go's deferred loading gives: `kubeconfig` (which must exist),
    /// else `$KUBECONFIG`'s files, else `~/.kube/config`; when none of those exist and the
    /// process runs in a Pod, the in-cluster configuration. `context` and `namespace` override
    /// the kubeconfig's.
    public static func load(kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(KubeError) -> ClientConfiguration {
        let (paths, required) = Kubeconfig.paths(explicit: kubeconfig, environment: environment)
        let config = try Kubeconfig.load(paths, required: required)
        if config.files.isEmpty, kubeconfig == nil, environment["KUBERNETES_SERVICE_HOST"] != nil {
            var inCluster = try Self.inCluster(environment: environment)
            if let namespace { inCluster.namespace = namespace }
            return inCluster
        }
        guard !config.files.isEmpty else {
            throw .configuration("no kubeconfig: \(paths.joined(separator: ", ")) \(paths.count == 1 ? "does" : "do") not exist (set KUBECONFIG, pass --kubeconfig, or use --in-memory)")
        }
        return try Self.from(config, context: context, namespace: namespace, environment: environment)
    }

    /// The configuration of `context` (else the current one) in a loaded kubeconfig.
    public static func from(_ config: Kubeconfig, context requested: String? = nil, namespace: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(KubeError) -> ClientConfiguration {
        let files = config.files.joined(separator: ", ")
        guard let name = requested ?? config.currentContext, !name.isEmpty else {
            throw .configuration("kubeconfig \(files): current-context is not set (pass --context)")
        }
        guard let context = config.contexts[name] else { throw .configuration("kubeconfig \(files): context \"\(name)\" does not exist") }
        guard let cluster = config.clusters[context.cluster] else {
            throw .configuration("kubeconfig \(context.file): context \"\(name)\": cluster \"\(context.cluster)\" does not exist")
        }
        var result = ClientConfiguration(server: cluster.server, namespace: namespace ?? context.namespace ?? "default")
        result.context = name
        guard let url = URL(string: result.server), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw .configuration("kubeconfig \(cluster.file): cluster \"\(context.cluster)\": server \"\(cluster.server)\" is not an http(s) URL")
        }
        result.insecureSkipTLSVerify = cluster.insecureSkipTLSVerify
        result.tlsServerName = cluster.tlsServerName
        if let data = cluster.certificateAuthorityData {
            result.certificateAuthorityPEM = data
        } else if let path = cluster.certificateAuthority {
            result.certificateAuthorityPEM = try read(path, "kubeconfig \(cluster.file): cluster \"\(context.cluster)\": certificate-authority")
        }
        guard !context.user.isEmpty else { return result }
        guard let user = config.users[context.user] else {
            throw .configuration("kubeconfig \(context.file): context \"\(name)\": user \"\(context.user)\" does not exist")
        }
        let label = "kubeconfig \(user.file): user \"\(context.user)\""
        if let provider = user.authProvider {
            let plugin = ["gcp": "gke-gcloud-auth-plugin", "azure": "kubelogin (https://github.com/Azure/kubelogin)",
                          "oidc": "kubelogin (kubectl oidc-login, https://github.com/int128/kubelogin)"][provider] ?? "the provider's exec plugin"
            throw .configuration("\(label): auth-provider \"\(provider)\" was removed from client-go; use an exec plugin instead: \(plugin)")
        }
        result.clientCertificatePEM = user.clientCertificateData
        if result.clientCertificatePEM == nil, let path = user.clientCertificate {
            result.clientCertificatePEM = try read(path, "\(label): client-certificate")
        }
        result.clientKeyPEM = user.clientKeyData
        if result.clientKeyPEM == nil, let path = user.clientKey {
            result.clientKeyPEM = try read(path, "\(label): client-key")
        }
        if (result.clientCertificatePEM == nil) != (result.clientKeyPEM == nil) {
            throw .configuration("\(label): client-certificate and client-key go together (one of them is missing)")
        }
        if let token = user.token, !token.isEmpty {
            result.credentials = .token(token)
        } else if let tokenFile = user.tokenFile {
            _ = try read(tokenFile, "\(label): tokenFile")
            result.credentials = .tokenFile(tokenFile)
        } else if let username = user.username {
            result.credentials = .basic(username: username, password: user.password ?? "")
        } else if let exec = user.exec {
            let home = environment["HOME"] ?? NSHomeDirectory()
            result.credentials = .exec(ExecCredentialProvider(config: exec, server: result.server, cacheFolder: home + "/.kube/cache/kubescript/exec"))
        }
        return result
    }

    /// The configuration of a process in a Pod: `KUBERNETES_SERVICE_HOST`/`_PORT`, and the
    /// service account's token (read again as it rotates), CA and namespace under `root`.
    public static func inCluster(root: String = "/var/run/secrets/kubernetes.io/serviceaccount",
                                 environment: [String: String] = ProcessInfo.processInfo.environment) throws(KubeError) -> ClientConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw .configuration("not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var result = ClientConfiguration(server: "https://\(hostPart):\(port)")
        _ = try read(root + "/token", "in-cluster configuration: token")
        result.credentials = .tokenFile(root + "/token")
        result.certificateAuthorityPEM = try read(root + "/ca.crt", "in-cluster configuration: ca.crt")
        if let namespace = FileManager.default.contents(atPath: root + "/namespace") {
            let text = String(decoding: namespace, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { result.namespace = text }
        }
        return result
    }

    static func read(_ path: String, _ label: String) throws(KubeError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .configuration("\(label): \(path) cannot be read")
        }
        return [UInt8](data)
    }
}
