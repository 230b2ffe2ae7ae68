import KubeAPI

/// The rules a current kube-apiserver checks a list's or watch's options by (apimachinery's
/// `internalversion/validation`, with the WatchList feature on): `resourceVersionMatch` and
/// `sendInitialEvents`, which streaming lists (client-go's watch-list, kubectl ≥ 1.32) use.
struct ListOptions {
    /// `sendInitialEvents`, when given.
    let sendInitialEvents: Bool?
    let resourceVersionMatch: String

    /// The options of `request`, or the 422 (400 for a value that is not a boolean) a server gives.
    static func parse(_ request: APIRequest, watch: Bool) -> Result<ListOptions, Status> {
        var sendInitialEvents: Bool?
        if let text = request.query["sendInitialEvents"] {
            // Go's strconv.ParseBool, as the query's conversion uses
            switch text {
            case "1", "t", "T", "true", "TRUE", "True": sendInitialEvents = true
            case "0", "f", "F", "false", "FALSE", "False": sendInitialEvents = false
            default: return .failure(.badRequest("strconv.ParseBool: parsing \(ObjectValidation.goQuoted(text)): invalid syntax"))
            }
        }
        let options = ListOptions(sendInitialEvents: sendInitialEvents, resourceVersionMatch: request.query["resourceVersionMatch"] ?? "")
        let causes = watch ? options.watchProblems(request) : options.listProblems(request)
        return causes.isEmpty ? .success(options) : .failure(.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", causes: causes))
    }

    private func watchProblems(_ request: APIRequest) -> [Status.Cause] {
        var causes: [Status.Cause] = []
        if sendInitialEvents != nil, resourceVersionMatch != "NotOlderThan" {
            causes.append(Self.forbidden("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
        }
        if !resourceVersionMatch.isEmpty {
            if sendInitialEvents == nil {
                causes.append(Self.forbidden("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
            }
            if resourceVersionMatch != "NotOlderThan" { causes.append(Self.notSupported(resourceVersionMatch, ["NotOlderThan"])) }
            if !(request.query["continue"] ?? "").isEmpty {
                causes.append(Self.forbidden("resourceVersionMatch is forbidden when continue is provided"))
            }
        }
        return causes
    }

    private func listProblems(_ request: APIRequest) -> [Status.Cause] {
        var causes: [Status.Cause] = []
        let version = request.query["resourceVersion"] ?? ""
        if !resourceVersionMatch.isEmpty {
            if version.isEmpty { causes.append(Self.forbidden("resourceVersionMatch is forbidden unless resourceVersion is provided")) }
            if !(request.query["continue"] ?? "").isEmpty {
                causes.append(Self.forbidden("resourceVersionMatch is forbidden when continue is provided"))
            }
            if resourceVersionMatch != "Exact", resourceVersionMatch != "NotOlderThan" {
                causes.append(Self.notSupported(resourceVersionMatch, ["Exact", "NotOlderThan", ""]))
            }
            if resourceVersionMatch == "Exact", version == "0" {
                causes.append(Self.forbidden("resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""))
            }
        }
        if sendInitialEvents != nil {
            causes.append(.init(reason: "FieldValueForbidden", message: "Forbidden: sendInitialEvents is forbidden for list", field: "sendInitialEvents"))
        }
        return causes
    }

    private static func forbidden(_ detail: String) -> Status.Cause {
        .init(reason: "FieldValueForbidden", message: "Forbidden: \(detail)", field: "resourceVersionMatch")
    }

    private static func notSupported(_ value: String, _ supported: [String]) -> Status.Cause {
        .init(reason: "FieldValueNotSupported",
              message: "Unsupported value: \(ObjectValidation.goQuoted(value)): supported values: \(supported.map(ObjectValidation.goQuoted).joined(separator: ", "))",
              field: "resourceVersionMatch")
    }
}
