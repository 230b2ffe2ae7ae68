import Crypto
import Glibc
import KubeAPI
import NIOConcurrencyHelpers

/// Service account tokens the server issues (`serviceaccounts/token`, a TokenRequest: what
/// `kubectl create token` asks for): JWTs with the claims kube-apiserver's issuer writes, signed
/// with a key made when the server starts (HS256, where the real one signs with the service
/// account key). Until it expires, a token authenticates as its account and TokenReview
/// reviews it.
final class IssuedTokens: Sendable {
    struct Issued: Sendable {
        let user: Authentication.User
        /// The account's namespace/name and uid: a token is good while that account is.
        let account: String
        let uid: String
        let expiry: Int64
        let audiences: [String]
    }

    /// What the recorded server's tokens are for (`--api-audiences`, its issuer).
    static let audience = "https://kubernetes.default.svc"

    private let key = SymmetricKey(size: .bits256)
    private let issued = NIOLockedValueBox<[String: Issued]>([:])

    /// A token for the service account `name` (uid `uid`) of `namespace`.
    func issue(namespace: String, name: String, uid: String, audiences: [String], seconds: Int64) -> (token: String, expiry: Int64) {
        let now = Int64(time(nil)), expiry = now + seconds
        let header = #"{"alg":"HS256","kid":"kubescript"}"#
        let claims = JSONValue.object([
            "aud": .array(audiences.map { .string($0) }), "exp": .integer(expiry), "iat": .integer(now), "iss": .string(Self.audience),
            "kubernetes.io": .object(["namespace": .string(namespace), "serviceaccount": .object(["name": .string(name), "uid": .string(uid)])]),
            "nbf": .integer(now), "sub": .string("system:serviceaccount:\(namespace):\(name)"),
        ]).jsonString()
        let signed = Self.part(Array(header.utf8)) + "." + Self.part(Array(claims.utf8))
        let signature = HMAC<SHA256>.authenticationCode(for: Array(signed.utf8), using: key)
        let token = signed + "." + Self.part(Array(signature))
        let user = Authentication.User(name: "system:serviceaccount:\(namespace):\(name)",
                                       groups: ["system:serviceaccounts", "system:serviceaccounts:\(namespace)", "system:authenticated"])
        issued.withLockedValue { tokens in
            tokens = tokens.filter { $0.value.expiry > now }  // the expired go
            tokens[token] = Issued(user: user, account: "\(namespace)/\(name)", uid: uid, expiry: expiry, audiences: audiences)
        }
        return (token, expiry)
    }

    /// What a token stands for, while it has not expired.
    func lookup(_ token: String) -> Issued? {
        guard let found = issued.withLockedValue({ $0[token] }), found.expiry > Int64(time(nil)) else { return nil }
        return found
    }

    /// What a request's bearer token stands for, if the server issued it for itself (a token for
    /// another audience is not one to call the API server with).
    func issued(for request: APIRequest) -> Issued? {
        guard let header = request.headers["authorization"], header.lowercased().hasPrefix("bearer "),
              let found = lookup(String(header.dropFirst(7))), found.audiences.contains(Self.audience) else { return nil }
        return found
    }

    /// Base64url without padding, as JWTs write their parts.
    static func part(_ bytes: [UInt8]) -> String { Base64URL.encode(bytes) }
}

extension APIServer {
    /// Whether the account an issued token is for still exists, as the same account (its uid):
    /// deleting a ServiceAccount ends its tokens, as kube-apiserver's token authenticator checks.
    func stillValid(_ issued: IssuedTokens.Issued) -> Bool {
        guard let accounts = catalog.resource(group: "", version: "v1", name: "serviceaccounts") else { return false }
        return lock.withLock { store.object(of: accounts, key: issued.account) }?[path: "metadata", "uid"]?.stringValue == issued.uid
    }

    /// The user of a request whose bearer token this server issued and whose account is still there.
    func issuedUser(for request: APIRequest) -> Authentication.User? {
        guard let issued = issuedTokens.issued(for: request), stillValid(issued) else { return nil }
        return issued.user
    }

    /// `POST serviceaccounts/NAME/token`: a TokenRequest answered with a new token.
    func tokenRequest(_ request: APIRequest, _ path: ResourcePath, _ info: APIResourceInfo, name: String) -> APIResponse {
        guard request.method == "POST" else { return .status(.methodNotAllowed) }
        guard let account = lock.withLock({ store.object(of: info, key: key(path, name)) }) else { return .status(.notFound(info, name: name)) }
        let body = (try? JSONValue.parse(request.body)) ?? .object([:])
        let seconds = body[path: "spec", "expirationSeconds"]?.integerValue ?? 3600
        guard seconds >= 600, seconds <= 1 << 32 else {
            let message = "Invalid value: \(seconds): may not specify a duration \(seconds < 600 ? "less than 10 minutes" : "larger than 2^32 seconds")"
            return .status(.invalid(kind: "TokenRequest", group: "authentication.k8s.io", name: name,
                                    causes: [.init(reason: "FieldValueInvalid", message: message, field: "spec.expirationSeconds")]))
        }
        let asked = body[path: "spec", "audiences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let audiences = asked.isEmpty ? [IssuedTokens.audience] : asked
        let namespace = path.namespace ?? "default"
        let (token, expiry) = issuedTokens.issue(namespace: namespace, name: name, uid: account[path: "metadata", "uid"]?.stringValue ?? "",
                                                 audiences: audiences, seconds: seconds)
        return .json(201, .object([
            "kind": .string("TokenRequest"), "apiVersion": .string("authentication.k8s.io/v1"),
            "metadata": .object(["name": .string(name), "namespace": .string(namespace), "creationTimestamp": .null]),
            "spec": .object(["audiences": .array(audiences.map { .string($0) }), "expirationSeconds": .integer(seconds), "boundObjectRef": .null]),
            "status": .object(["token": .string(token), "expirationTimestamp": .string(RFC3339.string(seconds: expiry))]),
        ]))
    }
}
