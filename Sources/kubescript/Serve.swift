import ArgumentParser
import Foundation
import KubeServer

/// `kubescript serve`: the embedded API server on loopback, for kubectl and other clients.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the embedded Kubernetes API server on loopback.",
        discussion: """
            Answers as kube-apiserver v1.24 does, for kubectl and other clients, with simulated \
            controllers (Deployments, ReplicaSets, Jobs, and Pods that run on one node). The cluster \
            lives in memory unless --data names a file. See docs/server.md.
            """
    )

    @Option(help: "The port on 127.0.0.1 (0: any free port, printed on start).")
    var port: Int = 8001

    @Option(help: "Require this bearer token (a cluster administrator's); implies --tls, as clients send tokens over HTTPS only.")
    var token: String?

    @Flag(help: "Serve HTTPS with a certificate from a certificate authority made on start (its certificate goes into the kubeconfig).")
    var tls = false

    @Option(help: ArgumentHelp("Serve HTTPS with this certificate (chain), in PEM.", valueName: "FILE"))
    var tlsCertFile: String?

    @Option(help: ArgumentHelp("The private key of --tls-cert-file, in PEM.", valueName: "FILE"))
    var tlsPrivateKeyFile: String?

    @Option(help: ArgumentHelp("Accept client certificates signed by this authority (PEM): the common name is the user, the organizations its groups (system:masters: an administrator).", valueName: "FILE"))
    var clientCAFile: String?

    @Option(help: ArgumentHelp("Write a kubeconfig for the server (context \"kubescript\") to PATH.", valueName: "PATH"))
    var writeKubeconfig: String?

    @Option(help: ArgumentHelp("Keep the cluster in this SQLite file between runs (created if missing).", valueName: "FILE"))
    var data: String?

    @Flag(help: "Serve a bare API server: no simulated controllers (Deployments do not make Pods).")
    var noControllers = false

    @Option(help: ArgumentHelp("Seconds before a Pod is Running and Ready.", valueName: "SECONDS"))
    var podStartDelay: Double = 0.5

    @Option(help: ArgumentHelp("Seconds events are kept after they were last written (kube-apiserver's --event-ttl).", valueName: "SECONDS"))
    var eventTTL: Double = 3600

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard podStartDelay >= 0, podStartDelay.isFinite else { throw ValidationError("--pod-start-delay must be a number of seconds ≥ 0") }
        guard eventTTL >= 0, eventTTL <= 1e12 else { throw ValidationError("--event-ttl must be a number of seconds from 0 to 10^12") }
        guard (tlsCertFile == nil) == (tlsPrivateKeyFile == nil) else {
            throw ValidationError("--tls-cert-file and --tls-private-key-file go together")
        }
    }

    func run() throws {
        var authentication = token.map { Authentication.administrator(token: $0) } ?? Authentication()
        authentication.certificates = clientCAFile != nil
        let controllers = noControllers ? nil : ControllerOptions(podStartDelay: podStartDelay, jobPodDuration: podStartDelay, eventTTL: eventTTL)
        let api = APIServer(authentication: authentication, controllers: controllers)
        if let data { try api.keep(inFile: data) }  // an error names the file and the problem
        let (tls, authority) = try serverTLS()
        let server = try HTTPServer(api, port: port, tls: tls)
        let address = "\(tls == nil ? "http" : "https")://127.0.0.1:\(server.port)"
        if let writeKubeconfig {
            try Self.writeKubeconfig(to: writeKubeconfig, server: address, token: token, certificateAuthorityPEM: authority)
        }
        print("kubescript: serving the Kubernetes API on \(address)")
        fflush(nil)
        try server.wait()
    }

    /// The HTTPS set-up, if any, and the authority clients should trust (nil: the system's).
    func serverTLS() throws -> (ServerTLS?, String?) {
        func read(_ path: String) throws -> String {
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read \(path): \(error.localizedDescription)")
            }
        }
        let clientAuthority = try clientCAFile.map(read)
        if let tlsCertFile, let tlsPrivateKeyFile {
            return (ServerTLS(certificateChainPEM: try read(tlsCertFile), privateKeyPEM: try read(tlsPrivateKeyFile),
                              clientCertificateAuthorityPEM: clientAuthority), nil)
        }
        guard tls || token != nil || clientAuthority != nil else { return (nil, nil) }
        let authority = try CertificateAuthority()
        let serving = try authority.issueServer()
        return (ServerTLS(certificateChainPEM: serving.certificatePEM, privateKeyPEM: serving.privateKeyPEM,
                          clientCertificateAuthorityPEM: clientAuthority), authority.certificatePEM)
    }

    /// A kubeconfig with one cluster, user and context, all named `kubescript`; readable by its
    /// owner only, as it may hold the token.
    static func writeKubeconfig(to path: String, server: String, token: String?, certificateAuthorityPEM: String?) throws {
        let user = token.map { "    token: \"\($0)\"\n" } ?? "    {}\n"
        let authority = certificateAuthorityPEM.map { "    certificate-authority-data: \(Data($0.utf8).base64EncodedString())\n" } ?? ""
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: kubescript
              cluster:
                server: \(server)
            \(authority)users:
            - name: kubescript
              user:
            \(user)contexts:
            - name: kubescript
              context:
                cluster: kubescript
                user: kubescript
                namespace: default
            current-context: kubescript

            """
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot write the kubeconfig \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes = text
        let written = bytes.withUTF8 { write(fd, $0.baseAddress, $0.count) }
        guard written == text.utf8.count else { throw ValidationError("cannot write the kubeconfig \(path)") }
    }
}
