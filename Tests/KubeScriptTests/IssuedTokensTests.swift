import Foundation
import KubeAPI
import XCTest
@testable import KubeServer

/// Service account tokens from `serviceaccounts/token` (TokenRequest): JWT-shaped, with the
/// claims kube-apiserver writes; they authenticate as the account (which RBAC's defaults let do
/// little) until they expire, and TokenReview reviews them.
final class IssuedTokensTests: KubeScriptTestCase {
    let server = APIServer(authentication: .administrator(token: "admin-token"))

    func call(_ method: String, _ path: String, _ body: String = "", token: String = "admin-token") -> (Int, JSONValue) {
        let response = server.handle(APIRequest(method: method, path: path, headers: ["authorization": "Bearer \(token)"], body: Array(body.utf8)))
        return (response.status, (try? JSONValue.parse(response.body)) ?? .null)
    }

    func testATokenForAServiceAccount() throws {
        XCTAssertEqual(call("POST", "/api/v1/namespaces/default/serviceaccounts", #"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"robot"}}"#).0, 201)
        let (status, issued) = call("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token",
                                    #"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}"#)
        XCTAssertEqual(status, 201)
        XCTAssertEqual(issued["kind"], .string("TokenRequest"))
        XCTAssertEqual(issued["spec"], .object(["audiences": .array([.string("https://kubernetes.default.svc")]), "expirationSeconds": .integer(3600), "boundObjectRef": .null]))
        let token = try XCTUnwrap(issued[path: "status", "token"]?.stringValue)
        let parts = token.split(separator: ".")
        XCTAssertEqual(parts.count, 3)
        var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        let claims = try JSONValue.parse([UInt8](try XCTUnwrap(Data(base64Encoded: payload))))
        XCTAssertEqual(claims["sub"], .string("system:serviceaccount:default:robot"))
        XCTAssertEqual(claims[path: "kubernetes.io", "serviceaccount", "name"], .string("robot"))

        // the token is the account: RBAC's defaults let it ask about itself, nothing more
        let (forbidden, denial) = call("GET", "/api/v1/namespaces/default/configmaps", token: token)
        XCTAssertEqual(forbidden, 403)
        XCTAssertEqual(denial["message"], .string(#"configmaps is forbidden: User "system:serviceaccount:default:robot" cannot list resource "configmaps" in API group "" in the namespace "default""#))
        let (_, whoami) = call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", #"{"kind":"SelfSubjectReview"}"#, token: token)
        XCTAssertEqual(whoami[path: "status", "userInfo", "username"], .string("system:serviceaccount:default:robot"))

        let (reviewed, review) = call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", #"{"spec":{"token":"\#(token)"}}"#)
        XCTAssertEqual(reviewed, 201)
        XCTAssertEqual(review[path: "status", "authenticated"], .bool(true))
        XCTAssertEqual(review[path: "status", "user", "groups"], .array([.string("system:serviceaccounts"), .string("system:serviceaccounts:default"),
                                                                       .string("system:authenticated")]))

        let (short, tooShort) = call("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token", #"{"spec":{"expirationSeconds":60}}"#)
        XCTAssertEqual(short, 422)
        XCTAssertEqual(tooShort["message"], .string(#"TokenRequest.authentication.k8s.io "robot" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"#))
        XCTAssertEqual(call("POST", "/api/v1/namespaces/default/serviceaccounts/nobody/token", "{}").0, 404)
        XCTAssertEqual(call("GET", "/api/v1/namespaces/default/configmaps", token: "made-up").0, 401)
    }
}

extension IssuedTokensTests {
    /// A token for another audience is not for the API server; a lifetime past 2^32 s is refused.
    func testAudiencesAndLifetimes() throws {
        XCTAssertEqual(call("POST", "/api/v1/namespaces/default/serviceaccounts", #"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"robot"}}"#).0, 201)
        let (_, issued) = call("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token", #"{"spec":{"audiences":["vault"]}}"#)
        let token = try XCTUnwrap(issued[path: "status", "token"]?.stringValue)
        XCTAssertEqual(call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", #"{"kind":"SelfSubjectReview"}"#, token: token).0, 401)
        let (_, forVault) = call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", #"{"spec":{"token":"\#(token)","audiences":["vault"]}}"#)
        XCTAssertEqual(forVault[path: "status", "audiences"], .array([.string("vault")]))
        let (_, forServer) = call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", #"{"spec":{"token":"\#(token)"}}"#)
        XCTAssertEqual(forServer[path: "status", "authenticated"], nil)
        let (status, _) = call("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token", #"{"spec":{"expirationSeconds":9223372036854775807}}"#)
        XCTAssertEqual(status, 422)
    }

    /// A token ends with its account: deleted and made again, the account is another one.
    func testATokenEndsWithItsAccount() throws {
        let account = #"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"robot"}}"#
        XCTAssertEqual(call("POST", "/api/v1/namespaces/default/serviceaccounts", account).0, 201)
        let token = try XCTUnwrap(call("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token", "{}").1[path: "status", "token"]?.stringValue)
        let whoami = #"{"kind":"SelfSubjectReview"}"#
        XCTAssertEqual(call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", whoami, token: token).0, 201)
        XCTAssertEqual(call("DELETE", "/api/v1/namespaces/default/serviceaccounts/robot").0, 200)
        XCTAssertEqual(call("POST", "/api/v1/namespaces/default/serviceaccounts", account).0, 201)
        XCTAssertEqual(call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", whoami, token: token).0, 401)
        let (_, review) = call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", #"{"spec":{"token":"\#(token)"}}"#)
        XCTAssertEqual(review[path: "status", "error"], .string("invalid bearer token"))
    }
}
