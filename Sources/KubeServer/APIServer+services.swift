import KubeAPI

/// What kube-apiserver's Service storage does beyond defaults: a new Service gets a cluster IP
/// from the service range (10.96.0.0/12, kubeadm's; `10.96.0.1` is the `kubernetes` Service's)
/// and node ports from 30000-32767 when its type needs them; an update that leaves them out
/// keeps the ones allocated (as `patchAllocatedValues` does).
extension APIServer {
    static let serviceRange: ClosedRange<UInt32> = 0x0A60_0002...0x0A6F_FFFE  // 10.96.0.2 ... 10.111.255.254
    static let kubernetesServiceIP = "10.96.0.1"
    static let nodePortRange: ClosedRange<Int64> = 30000...32767

    static func isService(_ info: APIResourceInfo) -> Bool { info.group.isEmpty && info.name == "services" }

    /// Allocates a new Service's cluster IP and node ports, or says why the ones it asks for
    /// cannot be had.
    func allocateServiceAddresses(_ object: inout JSONValue, _ info: APIResourceInfo, in store: ObjectStore) -> Status? {
        guard var spec = object["spec"]?.objectValue else { return nil }
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        let name = object[path: "metadata", "name"]?.stringValue ?? ""
        let services = store.objects(of: info, namespace: nil).map(\.object)
        if type != "ExternalName" {
            let requested = spec["clusterIP"]?.stringValue ?? spec["clusterIPs"]?[0]?.stringValue ?? ""
            var address = requested
            if requested.isEmpty {
                let used = Set(services.compactMap { $0[path: "spec", "clusterIP"]?.stringValue })
                repeat {
                    address = Self.dotted(UInt32.random(in: Self.serviceRange))
                } while used.contains(address)
            } else if requested != "None" {
                guard let value = Self.ipv4(requested), Self.serviceRange.contains(value) || requested == Self.kubernetesServiceIP else {
                    return .invalid(info, name: name, causes: [Status.Cause(
                        reason: "FieldValueInvalid",
                        message: "Invalid value: []string{\"\(requested)\"}: failed to allocate IP \(requested): the provided IP (\(requested)) is not in the valid range. The range of valid IPs is 10.96.0.0/12", field: "spec.clusterIPs")])
                }
                if services.contains(where: { $0[path: "spec", "clusterIP"]?.stringValue == requested }) {
                    return .invalid(info, name: name, causes: [Status.Cause(
                        reason: "FieldValueInvalid",
                        message: "Invalid value: []string{\"\(requested)\"}: failed to allocate IP \(requested): provided IP is already allocated", field: "spec.clusterIPs")])
                }
            }
            spec["clusterIP"] = .string(address)
            spec["clusterIPs"] = .array([.string(address)])
            spec.setDefault("ipFamilies", .array([.string("IPv4")]))
            spec.setDefault("ipFamilyPolicy", .string("SingleStack"))
        }
        if type == "NodePort" || type == "LoadBalancer" {
            var used = Set(services.flatMap { ($0[path: "spec", "ports"]?.arrayValue ?? []).compactMap { $0["nodePort"]?.integerValue } })
            var ports: [JSONValue] = []
            for port in spec["ports"]?.arrayValue ?? [] {
                var port = port
                if let asked = port["nodePort"]?.integerValue {
                    if used.contains(asked) {
                        return .invalid(info, name: name, causes: [Status.Cause(
                            reason: "FieldValueInvalid",
                            message: "Invalid value: \(asked): provided port is already allocated", field: "spec.ports[\(ports.count)].nodePort")])
                    }
                } else {
                    var chosen: Int64
                    repeat { chosen = Int64.random(in: Self.nodePortRange) } while used.contains(chosen)
                    port["nodePort"] = .integer(chosen)
                }
                used.insert(port["nodePort"]?.integerValue ?? 0)
                ports.append(port)
            }
            spec["ports"] = .array(ports)
        }
        object["spec"] = .object(spec)
        object["status"] = .object(["loadBalancer": .object([:])])
        return nil
    }

    /// An update's Service, with the addresses and ports allocated before where it leaves them out.
    static func keepAllocated(_ object: inout JSONValue, from current: JSONValue) {
        guard var spec = object["spec"]?.objectValue, let old = current["spec"]?.objectValue else { return }
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        if type != "ExternalName", (spec["clusterIP"]?.stringValue ?? "").isEmpty, old["type"]?.stringValue != "ExternalName" {
            for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] where spec[field] == nil || spec[field] == .string("") {
                spec[field] = old[field]
            }
        }
        if type == "NodePort" || type == "LoadBalancer" {
            let previous = old["ports"]?.arrayValue ?? []
            spec["ports"] = spec["ports"].map { ports in
                .array((ports.arrayValue ?? []).map { port in
                    guard port["nodePort"] == nil,
                          let match = previous.first(where: { $0["port"] == port["port"] && ($0["protocol"] ?? .string("TCP")) == (port["protocol"] ?? .string("TCP")) }),
                          let nodePort = match["nodePort"] else { return port }
                    var kept = port
                    kept["nodePort"] = nodePort
                    return kept
                })
            }
        }
        object["spec"] = .object(spec)
    }

    static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { UInt32($0) }
        guard parts.count == 4, parts.allSatisfy({ ($0 ?? 256) < 256 }) else { return nil }
        return parts.reduce(UInt32(0)) { $0 << 8 | ($1 ?? 0) }
    }

    static func dotted(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }
}
