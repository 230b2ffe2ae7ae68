/// Receives what a `JSONParser` reads, in document order: a container is `begin`, its elements
/// (objects: a key string, then its value, for each member) and `end` with the element count.
///
/// Sinks decide what to build: `JSONValue`s, or a tape of Lua values in the Lua host.
public protocol JSONSink {
    /// Called before each value (and key), so a sink can hand over what it holds.
    mutating func willRead() throws(JSONError)
    mutating func null() throws(JSONError)
    mutating func bool(_ value: Bool) throws(JSONError)
    mutating func integer(_ value: Int64) throws(JSONError)
    mutating func number(_ value: Double) throws(JSONError)
    /// A string value or object key. `bytes` are valid UTF-8; when `borrowed` they are the input's
    /// own bytes (alive as long as the input), otherwise they are valid only during the call.
    mutating func string(_ bytes: UnsafeRawBufferPointer, borrowed: Bool) throws(JSONError)
    mutating func beginArray() throws(JSONError)
    mutating func endArray(count: Int) throws(JSONError)
    mutating func beginObject() throws(JSONError)
    mutating func endObject(count: Int) throws(JSONError)
}

extension JSONSink {
    @inlinable public mutating func willRead() throws(JSONError) {}
}
