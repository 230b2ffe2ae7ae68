/// Name rules of the API's validation (apimachinery's validation package), with its messages.
enum ObjectNames {
    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

    /// Resources whose names must be DNS-1123 labels (the rest take subdomains).
    static let labelNamed: Set<String> = ["namespaces", "services", "replicationcontrollers"]

    /// The problems with `name` for objects of `resource` (empty when it is valid).
    static func problems(_ name: String, resource: String) -> [String] {
        if labelNamed.contains(resource) {
            var problems: [String] = []
            if name.utf8.count > 63 { problems.append("must be no more than 63 characters") }
            if !isLabel(name) { problems.append(labelMessage) }
            return problems
        }
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
