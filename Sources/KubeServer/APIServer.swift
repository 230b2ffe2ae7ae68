import KubeAPI

/// The embedded Kubernetes API server: it answers requests as the recorded kube-apiserver v1.24
/// does. `handle` is the whole server; `HTTPServer` puts it on a socket.
///
/// Today it serves discovery (`/version`, `/api`, `/apis` and every built-in group version's
/// APIResourceList); storage, lists, watch and the rest follow (see the embedded cluster issue).
public final class APIServer: Sendable {
    /// The discovery documents, by path, serialized once.
    let discovery: [String: [UInt8]]

    public init() {
        var documents: [String: [UInt8]] = [:]
        for (path, json) in RecordedDiscovery.documents { documents[path] = Array(json.utf8) }
        discovery = documents
    }

    /// Answers one request.
    public func handle(_ request: APIRequest) -> APIResponse {
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        if let document = discovery[path] {
            guard request.method == "GET" || request.method == "HEAD" else { return .status(.methodNotAllowed) }
            return .json(200, bytes: document)
        }
        return .status(.notFoundPath)
    }
}

extension Status {
    /// What kube-apiserver answers for a path it does not serve.
    static let notFoundPath = Status(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                                     details: .object([:]))
    /// What kube-apiserver answers for a verb a path does not take.
    static let methodNotAllowed = Status(code: 405, reason: "MethodNotAllowed",
                                         message: "the server does not allow this method on the requested resource",
                                         details: .object([:]))
}
