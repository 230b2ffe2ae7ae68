/// The version of kubescript, as `--version` and the User-Agent show it.
public enum KubeScriptVersion {
    public static let string = "0.1.0"
}
