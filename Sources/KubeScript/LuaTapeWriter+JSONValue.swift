import KubeAPI

extension LuaTapeWriter {
    /// Appends a `JSONValue` (an object the Swift client already holds: discovery lists, a
    /// Reflector's events, a Status) as the tables `k8s.json.decode` makes of its text: `k8s.null`,
    /// integers and floats kept apart, empty objects and arrays told apart. No text in between.
    public func append(json value: JSONValue) throws(LuaError) {
        switch value {
        case .null: try appendNull()
        case .bool(let b): try append(b)
        case .integer(let i): try append(integer: i)
        case .number(let d): try append(number: d)
        case .string(let s): try append(string: s)
        case .array(let items):
            _ = try beginArray(count: items.count)
            for item in items { try append(json: item) }
            try end()
        case .object(let members):
            _ = try beginObject(count: members.count)
            for (key, member) in members {
                try append(string: key)
                try append(json: member)
            }
            try end()
        }
    }
}
