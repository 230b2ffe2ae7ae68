/// Name rules of the API's validation (apimachinery's validation package), with its messages.
enum ObjectNames {
    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

    static let dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

    /// The rule each resource's names follow in kube-apiserver v1.24 (subdomains for the rest).
    enum Rule {
        case label, dns1035Label, subdomain, pathSegment
    }

    static func rule(group: String, resource: String) -> Rule {
        switch (group, resource) {
        case ("", "namespaces"): return .label
        case ("", "services"): return .dns1035Label
        case ("rbac.authorization.k8s.io", _), ("", "events"): return .pathSegment
        default: return .subdomain
        }
    }

    /// The problems with `name` for objects of `resource` in `group` (empty when it is valid);
    /// `creating` adds the checks made only on create (CronJobs' 52 characters).
    static func problems(_ name: String, group: String = "", resource: String, creating: Bool = true) -> [String] {
        var problems: [String]
        switch rule(group: group, resource: resource) {
        case .label:
            problems = name.utf8.count > 63 ? ["must be no more than 63 characters"] : []
            if !isLabel(name) { problems.append(labelMessage) }
        case .dns1035Label:
            problems = name.utf8.count > 63 ? ["must be no more than 63 characters"] : []
            if !isLabel(name) || !(name.utf8.first.map { $0 >= 0x61 && $0 <= 0x7A } ?? false) { problems.append(dns1035Message) }
        case .pathSegment:
            problems = pathSegmentProblems(name)
        case .subdomain:
            problems = subdomainProblems(name)
        }
        if creating, group == "batch", resource == "cronjobs", name.utf8.count > 52 { problems.append("must be no more than 52 characters") }
        return problems
    }

    /// apimachinery's `IsValidPathSegmentName`.
    static func pathSegmentProblems(_ name: String) -> [String] {
        if name == "." || name == ".." { return ["may not be '\(name)'"] }
        return ["/", "%"].filter { name.contains($0) }.map { "may not contain '\($0)'" }
    }

    /// apimachinery's `IsDNS1123Subdomain`.
    static func subdomainProblems(_ name: String) -> [String] {
        var problems: [String] = []
        if name.utf8.count > 253 { problems.append("must be no more than 253 characters") }
        if !name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ isLabel(String($0)) }) {
            problems.append(subdomainMessage)
        }
        return problems
    }

    static func isLabel(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
        return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
    }
}
