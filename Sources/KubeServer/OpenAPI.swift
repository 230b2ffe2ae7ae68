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
    /// The documents with custom resources' schemas, for the definitions revision they were made at.
    private var custom: (revision: Int64, documents: CustomOpenAPI)?
    private let lock = NSLock()

    /// The documents extended with `resources` (made again when the definitions changed), or nil
    /// when there are none.
    private func extended(_ resources: [String: CustomResource], revision: Int64) -> CustomOpenAPI? {
        guard !resources.isEmpty else { return nil }
        if let custom, custom.revision == revision { return custom.documents }
        guard let v2 = v2.flatMap({ try? JSONValue.parse($0) }), let index = v3Index.flatMap({ try? JSONValue.parse($0) }),
              let core = v3["api/v1"].flatMap({ try? JSONValue.parse($0) }) else { return nil }
        let documents = CustomOpenAPI(resources: Array(resources.values), v2: v2, v3Index: index, v3Core: core)
        custom = (revision, documents)
        return documents
    }

    /// Answers `/openapi/...` paths, with the schemas of the custom resources served (made at
    /// definitions revision `revision`); nil for other paths.
    func response(path: String, request: APIRequest, custom resources: [String: CustomResource], revision: Int64) -> APIResponse? {
        guard path == "/openapi/v2" || path.hasPrefix("/openapi/v3") else { return nil }
        guard request.method == "GET" || request.method == "HEAD" else { return .status(.methodNotAllowed) }
        return lock.withLock {
            let custom = extended(resources, revision: revision)
            if path == "/openapi/v2" {
                let accept = request.headers["accept"] ?? "application/json"
                if accept.contains(OpenAPIProtobuf.mediaType) {
                    if let custom { return APIResponse(status: 200, headers: [("content-type", OpenAPIProtobuf.contentType)], body: custom.v2Protobuf) }
                    return v2Protobuf.map { APIResponse(status: 200, headers: [("content-type", OpenAPIProtobuf.contentType)], body: $0) }
                        ?? .status(.notFoundPath)
                }
                guard accept.contains("json") || accept.contains("*/*") else {
                    return .status(Status(code: 406, reason: "NotAcceptable",
                                          message: "only the following media types are accepted: application/json, \(OpenAPIProtobuf.mediaType)",
                                          details: .object([:])))
                }
                if let custom { return .json(200, bytes: custom.v2) }
                if (request.headers["accept-encoding"] ?? "").contains("gzip"), let compressed = v2Compressed {
                    return APIResponse(status: 200, headers: [("content-type", "application/json"), ("content-encoding", "gzip")], body: compressed)
                }
                return v2.map { .json(200, bytes: $0) } ?? .status(.notFoundPath)
            }
            if path == "/openapi/v3" { return (custom?.v3Index ?? v3Index).map { .json(200, bytes: $0) } ?? .status(.notFoundPath) }
            let key = String(path.dropFirst("/openapi/v3/".count))
            return (custom?.v3[key] ?? v3[key]).map { .json(200, bytes: $0) } ?? .status(.notFoundPath)
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
