// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "KubeScript",
    products: [
        .executable(name: "kubescript", targets: ["kubescript"]),
        .library(name: "KubeScript", targets: ["KubeScript"]),
        // The Kubernetes client alone, for Swift programs (docs/client.md).
        .library(name: "KubeClient", targets: ["KubeClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.26.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        // The Lua 5.4 C API from Debian's liblua5.4-dev, plus the C half of the host:
        // the function trampoline, protected helpers, and the value tape's push/read walkers.
        .target(
            name: "CLua",
            linkerSettings: [.linkedLibrary("lua5.4"), .linkedLibrary("m")]
        ),
        // Line editing for the REPL: Debian's libedit (readline-compatible API).
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        // Kubernetes API machinery shared by the client and the embedded server, in pure Swift:
        // JSON values, the JSON parser, the YAML reader (its fallback is the libyaml Yams
        // bundles, imported as CYaml), Status, selectors.
        .target(name: "KubeAPI", dependencies: [.product(name: "Yams", package: "Yams")]),
        // The embedded Kubernetes API server, answering as the recorded kube-apiserver v1.24 does.
        .target(
            name: "KubeServer",
            dependencies: [
                "KubeAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            // The recorded server's OpenAPI documents (../shared/k8s-openapi).
            resources: [.copy("Resources")]
        ),
        // The Kubernetes client, in pure Swift: kubeconfig and in-cluster configuration,
        // authentication (tokens, client certificates, exec plugins), transport with retries,
        // REST requests, discovery, dynamic operations on any resource, and watches.
        .target(
            name: "KubeClient",
            dependencies: [
                "KubeAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // exec credential plugins (and the tests' peers) run with swift-subprocess
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                // rest_client_requests_total and its kin, for whichever metrics backend the program bootstraps
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // The Lua host: state, value bridge (Lua ⇄ JSON/YAML), module loading, script runner, REPL engine.
        .target(
            name: "KubeScript",
            dependencies: ["CLua", "KubeAPI", .product(name: "Yams", package: "Yams")],
            exclude: ["Lua"],
            plugins: ["EmbedLua"]
        ),
        // The `k8s` Lua module's client: client-go's REST, typed, dynamic and discovery clients in Lua.
        .target(
            name: "KubeBindings",
            dependencies: ["KubeScript", "KubeClient", "KubeAPI", .product(name: "CoreMetrics", package: "swift-metrics"),
                           .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Lua"],
            plugins: ["EmbedLua"]
        ),
        // Compiles a target's Lua files (its `Lua/` folder; for KubeScript also `scripts/lib`)
        // into it, so the binary carries them and every line of Lua stays in a `.lua` file.
        .plugin(name: "EmbedLua", capability: .buildTool(), dependencies: ["embed-lua"]),
        .executableTarget(name: "embed-lua"),
        // The `kubescript` command.
        .executableTarget(
            name: "kubescript",
            dependencies: ["KubeScript", "KubeBindings", "KubeClient", "KubeServer", "CEditLine",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           // `run --health-addr/--metrics-addr`: the endpoints, /metrics in Prometheus'
                           // text, and SIGTERM's graceful shutdown
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            // No dynamic symbol table of its own: the Swift runtime's start-up looks its own path up
            // with dladdr, which walks every exported symbol (44,000 of them: 0.4 ms per start).
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"])]
        ),
        // A benchmark, not a test: `swift run -c release server-bench`.
        .executableTarget(
            name: "server-bench",
            dependencies: ["KubeServer", "KubeAPI"],
            path: "bench/server"
        ),
        // A benchmark, not a test: `swift run -c release client-bench`.
        .executableTarget(
            name: "client-bench",
            dependencies: ["KubeClient", "KubeAPI"],
            path: "bench/client"
        ),
        .testTarget(
            name: "KubeScriptTests",
            dependencies: ["KubeScript", "KubeAPI", "KubeServer", "KubeClient", "KubeBindings", "kubescript",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
    ]
)
