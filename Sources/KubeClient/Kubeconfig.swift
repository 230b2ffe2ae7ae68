import Foundation
import KubeAPI

/// Kubeconfig files, read and merged as client-go's clientcmd does: with several files
/// (`KUBECONFIG=a:b`), the first file to set a cluster, user or context of a given name wins, and
/// the first to set `current-context` gives it. Relative paths in a file are relative to its
/// folder. Every problem names the file and the entry.
public struct Kubeconfig: Sendable {
    public struct Cluster: Sendable {
        public var server: String
        public var certificateAuthority: String?
        public var certificateAuthorityData: [UInt8]?
        public var insecureSkipTLSVerify = false
        public var tlsServerName: String?
        /// The file that defined it.
        public var file: String
    }

    public struct User: Sendable {
        public var token: String?
        public var tokenFile: String?
        public var clientCertificate: String?
        public var clientCertificateData: [UInt8]?
        public var clientKey: String?
        public var clientKeyData: [UInt8]?
        public var username: String?
        public var password: String?
        public var exec: ExecConfig?
        /// The name of a legacy `auth-provider`, which is refused with a pointer to its exec plugin.
        public var authProvider: String?
        public var file: String
    }

    public struct Context: Sendable {
        public var cluster: String
        public var user: String
        public var namespace: String?
        public var file: String
    }

    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    public var currentContext: String?
    /// The files read, in order.
    public var files: [String] = []

    public init() {}

    /// Reads and merges `paths` in order. A missing file is an error when `required`, else
    /// skipped (as clientcmd skips missing `KUBECONFIG` entries).
    public static func load(_ paths: [String], required: Bool) throws(KubeError) -> Kubeconfig {
        var merged = Kubeconfig()
        for path in paths where !path.isEmpty {
            guard FileManager.default.fileExists(atPath: path) else {
                if required { throw .configuration("kubeconfig \(path): no such file") }
                continue
            }
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .configuration("kubeconfig \(path): cannot be read: \(error.localizedDescription)")
            }
            try merged.merge(text, file: path)
        }
        return merged
    }

    /// Adds the entries of one file's text that are not there yet.
    public mutating func merge(_ text: String, file: String) throws(KubeError) {
        let document: JSONValue
        do {
            document = try YAMLReader.value(text)
        } catch {
            throw .configuration("kubeconfig \(file): \(error.description)")
        }
        if document == .null { return }  // an empty file
        guard case .object = document else { throw .configuration("kubeconfig \(file): not a kubeconfig (expected a mapping)") }
        files.append(file)
        let folder = (file as NSString).deletingLastPathComponent
        func path(_ value: JSONValue?) -> String? {
            guard let text = value?.stringValue, !text.isEmpty else { return nil }
            return text.hasPrefix("/") || folder.isEmpty ? text : folder + "/" + text
        }
        func entries(_ key: String, _ body: String) throws(KubeError) -> [(name: String, fields: JSONValue, label: String)] {
            guard let list = document[key], list != .null else { return [] }
            guard let items = list.arrayValue else { throw .configuration("kubeconfig \(file): \(key) must be a list") }
            var result: [(name: String, fields: JSONValue, label: String)] = []
            for (index, item) in items.enumerated() {
                guard let name = item["name"]?.stringValue, !name.isEmpty else {
                    throw .configuration("kubeconfig \(file): \(key)[\(index)] has no name")
                }
                result.append((name, item[body] ?? .object([:]), "kubeconfig \(file): \(key)[\(index)] (\"\(name)\")"))
            }
            return result
        }
        func base64(_ value: JSONValue?, _ field: String, _ label: String) throws(KubeError) -> [UInt8]? {
            guard let text = value?.stringValue, !text.isEmpty else { return nil }
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                throw .configuration("\(label): \(field) is not valid base64")
            }
            return [UInt8](data)
        }
        for (name, fields, label) in try entries("clusters", "cluster") where clusters[name] == nil {
            guard let server = fields["server"]?.stringValue, !server.isEmpty else { throw .configuration("\(label): server is missing") }
            clusters[name] = Cluster(
                server: server, certificateAuthority: path(fields["certificate-authority"]),
                certificateAuthorityData: try base64(fields["certificate-authority-data"], "certificate-authority-data", label),
                insecureSkipTLSVerify: fields["insecure-skip-tls-verify"]?.boolValue ?? false,
                tlsServerName: fields["tls-server-name"]?.stringValue, file: file)
        }
        for (name, fields, label) in try entries("users", "user") where users[name] == nil {
            var user = User(file: file)
            user.token = fields["token"]?.stringValue
            user.tokenFile = path(fields["tokenFile"])
            user.clientCertificate = path(fields["client-certificate"])
            user.clientCertificateData = try base64(fields["client-certificate-data"], "client-certificate-data", label)
            user.clientKey = path(fields["client-key"])
            user.clientKeyData = try base64(fields["client-key-data"], "client-key-data", label)
            user.username = fields["username"]?.stringValue
            user.password = fields["password"]?.stringValue
            if let exec = fields["exec"], exec != .null { user.exec = try ExecConfig(exec, folder: folder, label: label) }
            user.authProvider = fields[path: "auth-provider", "name"]?.stringValue
            users[name] = user
        }
        for (name, fields, label) in try entries("contexts", "context") where contexts[name] == nil {
            guard let cluster = fields["cluster"]?.stringValue, !cluster.isEmpty else { throw .configuration("\(label): cluster is missing") }
            contexts[name] = Context(cluster: cluster, user: fields["user"]?.stringValue ?? "",
                                     namespace: fields["namespace"]?.stringValue, file: file)
        }
        if currentContext == nil, let current = document["current-context"]?.stringValue, !current.isEmpty {
            currentContext = current
        }
    }

    /// The files clientcmd reads: `explicit` (which must exist), else `$KUBECONFIG`'s list, else
    /// `~/.kube/config`.
    public static func paths(explicit: String?, environment: [String: String]) -> (paths: [String], required: Bool) {
        if let explicit, !explicit.isEmpty { return ([explicit], true) }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            return (list.split(separator: ":").map(String.init).filter { seen.insert($0).inserted }, false)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return ([home + "/.kube/config"], false)
    }
}
