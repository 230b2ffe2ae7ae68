import CompressNIO
import Foundation
import KubeAPI
import NIOCore

/// The recorded server's OpenAPI documents (`/openapi/v2`, `/openapi/v3` and each
/// `/openapi/v3/<group version>`), shipped as resources and loaded on first use.
final class OpenAPIDocuments: @unchecked Sendable {
    /// `/openapi/v2`, gzip-compressed as shipped.
    private(set) lazy var v2Compressed: [UInt8]? = Self.resource("openapi-v2.json", ext: "gz")
    /// `/openapi/v2` as JSON text.
    private(set) lazy var v2: [UInt8]? = v2Compressed.flatMap(Self.gunzip)
    /// `/openapi/v2` in protobuf, made from the JSON on first use.
    private(set) lazy var v2Protobuf: [UInt8]? = v2.flatMap { try? JSONValue.parse($0) }.map(OpenAPIProtobuf.document)
    /// The `/openapi/v3` index.
    private(set) lazy var v3Index: [UInt8]? = Self.resource("v3-index", ext: "json")
    /// Each `/openapi/v3/<key>` document as JSON text.
    private(set) lazy var v3: [String: [UInt8]] = {
        guard let compressed = Self.resource("openapi-v3.json", ext: "gz"), let text = Self.gunzip(compressed),
              let all = try? JSONValue.parse(text), case .object(let documents) = all else { return [:] }
        var byKey: [String: [UInt8]] = [:]
        for (key, document) in documents { byKey[key] = document.serialized() }
        return byKey
    }()
    private let lock = NSLock()

    /// Answers `/openapi/...` paths; nil for other paths.
    func response(path: String, request: APIRequest) -> APIResponse? {
        guard path == "/openapi/v2" || path.hasPrefix("/openapi/v3") else { return nil }
        guard request.method == "GET" || request.method == "HEAD" else { return .status(.methodNotAllowed) }
        return lock.withLock {
            if path == "/openapi/v2" {
                let accept = request.headers["accept"] ?? "application/json"
                if accept.contains(OpenAPIProtobuf.mediaType) {
                    return v2Protobuf.map { APIResponse(status: 200, headers: [("content-type", OpenAPIProtobuf.contentType)], body: $0) }
                        ?? .status(.notFoundPath)
                }
                guard accept.contains("json") || accept.contains("*/*") else {
                    return .status(Status(code: 406, reason: "NotAcceptable",
                                          message: "only the following media types are accepted: application/json, \(OpenAPIProtobuf.mediaType)",
                                          details: .object([:])))
                }
                if (request.headers["accept-encoding"] ?? "").contains("gzip"), let compressed = v2Compressed {
                    return APIResponse(status: 200, headers: [("content-type", "application/json"), ("content-encoding", "gzip")], body: compressed)
                }
                return v2.map { .json(200, bytes: $0) } ?? .status(.notFoundPath)
            }
            if path == "/openapi/v3" { return v3Index.map { .json(200, bytes: $0) } ?? .status(.notFoundPath) }
            return v3[String(path.dropFirst("/openapi/v3/".count))].map { .json(200, bytes: $0) } ?? .status(.notFoundPath)
        }
    }

    static func resource(_ name: String, ext: String) -> [UInt8]? {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext), let data = try? Data(contentsOf: url) else { return nil }
        return [UInt8](data)
    }

    static func gunzip(_ bytes: [UInt8]) -> [UInt8]? {
        var input = ByteBuffer(bytes: bytes)
        guard let output = try? input.decompress(with: .gzip()) else { return nil }
        return Array(output.readableBytesView)
    }
}
