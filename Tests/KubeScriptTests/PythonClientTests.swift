import Foundation
import XCTest

/// Debian's `python3-kubernetes` (the official Python client, v22) against `kubescript serve`:
/// a Deployment created, refused a second time, watched until available, listed and deleted
/// in the foreground.
final class PythonClientTests: KubeScriptTestCase {
    static let script = #"""
        import sys
        import time
        from kubernetes import client, config, watch

        config.load_kube_config(config_file=sys.argv[1])
        apps = client.AppsV1Api()
        labels = {"app": "py"}
        body = client.V1Deployment(
            metadata=client.V1ObjectMeta(name="py", labels=labels),
            spec=client.V1DeploymentSpec(
                replicas=2,
                selector=client.V1LabelSelector(match_labels=labels),
                template=client.V1PodTemplateSpec(
                    metadata=client.V1ObjectMeta(labels=labels),
                    spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.25")]))))
        created = apps.create_namespaced_deployment("default", body)
        print("created", created.metadata.name, created.metadata.generation, created.spec.strategy.type,
              created.spec.template.spec.containers[0].image_pull_policy)
        try:
            apps.create_namespaced_deployment("default", body)
        except client.exceptions.ApiException as e:
            print("again", e.status, e.reason)
        ready = None
        for event in watch.Watch().stream(apps.list_namespaced_deployment, "default", timeout_seconds=20):
            status = event["object"].status
            if status.available_replicas == 2:
                ready = event["type"]
                break
        print("available", ready)
        listed = apps.list_namespaced_deployment("default", label_selector="app=py")
        print("listed", [d.metadata.name for d in listed.items])
        apps.delete_namespaced_deployment("py", "default", propagation_policy="Foreground")
        for _ in range(200):  # the Deployment goes once the garbage collector has deleted its Pods
            try:
                apps.read_namespaced_deployment("py", "default")
                time.sleep(0.1)
            except client.exceptions.ApiException as e:
                print("deleted", e.status, e.reason)
                break
        pods = client.CoreV1Api().list_namespaced_pod("default", label_selector="app=py")
        print("pods left", len(pods.items))
        """#

    func testCreateListWatchAndDeleteADeployment() throws {
        let python = try peerProgram("/usr/bin/python3")
        let cluster = try ServedCluster(self, arguments: ["--pod-start-delay", "0.2"])
        let script = try cluster.file("client.py", Self.script)
        let result = try runProgram(python, [script, cluster.kubeconfig], environment: ["PYTHONPATH": ""], timeout: 90)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            created py 1 RollingUpdate IfNotPresent
            again 409 Conflict
            available MODIFIED
            listed ['py']
            deleted 404 Not Found
            pods left 0

            """, result.stderr)
    }
}
