import Foundation
import KubeAPI

/// A client of one cluster: client-go's REST client, dynamic client and discovery client over
/// one transport. Built-in resources are known without asking the server; others (CRDs) are
/// found through discovery.
public final class KubeClient: @unchecked Sendable {
    public let transport: Transport
    public let discovery: Discovery
    public var configuration: ClientConfiguration { transport.configuration }
    /// The context's namespace (`default` when it names none).
    public var namespace: String { configuration.namespace }

    /// A client for `configuration`; discovery answers are kept under `discoveryCache` (nil:
    /// `~/.kube/cache/discovery/<host_port>`, as kubectl; pass "" for memory only).
    public init(_ configuration: ClientConfiguration, discoveryCache: String? = nil) throws(KubeError) {
        transport = try Transport(configuration)
        let folder: String?
        if let discoveryCache {
            folder = discoveryCache.isEmpty ? nil : discoveryCache
        } else {
            folder = Discovery.cacheFolder(home: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory(), server: configuration.server)
        }
        discovery = Discovery(transport: transport, cacheFolder: folder)
    }

    /// A request to send with `send` (client-go's `RESTClient().Verb()`).
    public func request(_ verb: String, group: String = "", version: String = "v1") -> RESTRequest {
        RESTRequest(verb: verb, group: group, version: version)
    }

    /// Sends a request; any status is returned (see `ResourceClient` for Status errors).
    public func send(_ request: RESTRequest) throws(KubeError) -> RESTResponse {
        try transport.send(request)
    }

    /// The dynamic client of a resource: a built-in one by its group, version and plural name
    /// without asking the server, else through discovery.
    public func resource(group: String, version: String, resource name: String, namespace: String? = nil) throws(KubeError) -> ResourceClient {
        let matches = { (resource: APIResource) in resource.group == group && resource.version == version && resource.name == name }
        var found = APIResource.builtIn.first(where: matches)
        if found == nil { found = try discovery.resources().first(where: matches) }
        if found == nil {
            discovery.invalidate()
            found = try discovery.resources().first(where: matches)
        }
        guard let resource = found else {
            throw .status(Status(code: 404, reason: "NotFound",
                                 message: "the server could not find the requested resource (\(name).\(version).\(group.isEmpty ? "core" : group))"))
        }
        return ResourceClient(client: self, resource: resource, namespace: namespace ?? (resource.namespaced ? self.namespace : nil))
    }

    /// The dynamic client of a resource kubectl would take `name` for (`deploy`, `po`,
    /// `deployments.apps`, a kind).
    public func resource(named name: String, namespace: String? = nil) throws(KubeError) -> ResourceClient {
        var found = Discovery.match(name, in: APIResource.builtIn)
        if found == nil { found = try discovery.resolve(name) }
        guard let resource = found else { throw .configuration("unknown resource type \"\(name)\"") }
        return ResourceClient(client: self, resource: resource, namespace: namespace ?? (resource.namespaced ? self.namespace : nil))
    }

    /// The dynamic client for an object's kind (its `apiVersion` and `kind`), in its namespace.
    public func resource(for object: JSONValue) throws(KubeError) -> ResourceClient {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else {
            throw .configuration("the object has no apiVersion and kind")
        }
        let (group, version) = GroupVersion.parse(apiVersion)
        var found = APIResource.builtIn.first { $0.group == group && $0.version == version && $0.kind == kind }
        if found == nil { found = try discovery.resource(apiVersion: apiVersion, kind: kind) }
        guard let resource = found else { throw .configuration("no resource for kind \"\(kind)\" in \"\(apiVersion)\"") }
        let namespace = object[path: "metadata", "namespace"]?.stringValue
        return ResourceClient(client: self, resource: resource, namespace: namespace ?? (resource.namespaced ? self.namespace : nil))
    }
}
