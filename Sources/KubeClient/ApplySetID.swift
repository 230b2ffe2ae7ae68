import Crypto
import Foundation

/// KEP-3659's ApplySet id, as kubectl computes it (`apply/applyset.go`, `ApplySet.ID`):
/// `applyset-<base64url(sha256("<name>.<namespace>.<kind>.<group>"))>-v1`, unpadded. The same
/// value labels the parent (`applyset.kubernetes.io/id`) and every member (`.../part-of`).
public enum ApplySetID {
    public static func of(name: String, namespace: String, kind: String, group: String) -> String {
        let digest = SHA256.hash(data: Data([name, namespace, kind, group].joined(separator: ".").utf8))
        let encoded = Data(digest).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "applyset-\(encoded)-v1"
    }
}
