-- c:Diff: a server-side dry run of each object against the live one, as kubectl diff shows it.

local function deployment(replicas, image)
  return { apiVersion = "apps/v1", kind = "Deployment", metadata = { name = "web", namespace = "default" },
           spec = { replicas = replicas, selector = { matchLabels = { app = "web" } },
                    template = { metadata = { labels = { app = "web" } }, spec = { containers = { { name = "c", image = image } } } } } }
end

test("a changed field shows as a hunk; an unchanged object shows nothing; nothing is written", function(t, c)
  c:Apply(deployment(1, "nginx:1.25"))
  local same, none = c:Diff(deployment(1, "nginx:1.25"))
  t:eq({ same, none }, { "", 0 })
  local text, count = c:Diff { deployment(3, "nginx:1.27") }
  t:eq(count, 1)
  t:ok(text:find("--- live/apps.v1.Deployment.default.web\n+++ merged/apps.v1.Deployment.default.web\n", 1, true), text)
  t:ok(text:find("\n-  replicas: 1\n+  replicas: 3\n", 1, true), text)
  t:ok(text:find("\n-      - image: nginx:1.25\n+      - image: nginx:1.27\n", 1, true), text)
  t:ok(not text:find("managedFields", 1, true) and not text:find("resourceVersion", 1, true) and not text:find("status:", 1, true), text)
  t:eq(c:AppsV1():Deployments("default"):Get("web").spec.replicas, 1, "a dry run changed nothing")
end)

test("a new object is all additions; a Secret's values never show", function(t, c)
  local text, count = c:Diff [[
apiVersion: v1
kind: ConfigMap
metadata: {name: fresh, namespace: default}
data: {a: "1"}
]]
  t:eq(count, 1)
  t:ok(text:find("@@ -0,0 +1,", 1, true) and text:find("\n+  name: fresh\n", 1, true), text)
  c:CoreV1():Secrets("default"):Create { metadata = { name = "creds" }, stringData = { password = "hunter2", user = "admin" } }
  local secretDiff = c:Diff { { apiVersion = "v1", kind = "Secret", metadata = { name = "creds", namespace = "default" },
                                stringData = { password = "correct-horse", user = "admin" } } }
  t:ok(secretDiff:find("password: '*** (before)'", 1, true) and secretDiff:find("password: '*** (after)'", 1, true), secretDiff)
  for _, secret in ipairs { "hunter2", "correct-horse", "aHVudGVyMg==", "Y29ycmVjdC1ob3JzZQ==", "YWRtaW4=" } do
    t:ok(not secretDiff:find(secret, 1, true), "leaked " .. secret)
  end
end)

test("k8s.unifiedDiff writes diff -u's hunks", function(t)
  local old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
  local new = "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"
  t:eq(k8s.unifiedDiff("old", "new", old, new), table.concat({
    "--- old", "+++ new",
    "@@ -1,6 +1,6 @@", " a", " b", "-c", "+C", " d", " e", " f",
    "@@ -9,3 +9,4 @@", " i", " j", " k", "+l", "",
  }, "\n"))
  t:eq(k8s.unifiedDiff("x", "y", old, old), "")
end)
