-- The Website operator (docs/controllers.md): a Website (spec: image, replicas, port) becomes a
-- ConfigMap with its page, a Deployment serving it and a Service in front, all owned by the
-- Website; its status says whether the Deployment is available, with observedGeneration. A
-- finalizer lets it say goodbye in an Event before it goes.
--   local operator = require "operator"
--   operator.controller(k8s.client()):Run()
local operator = {}

local FINALIZER = "example.com/cleanup"

local function websites(c, namespace)
  return c:Resource { group = "example.com", version = "v1", resource = "websites" }:Namespace(namespace or "")
end

-- What a Website's owned objects should be.
local function desired(site)
  local name, labels = site.metadata.name, { app = site.metadata.name, ["app.kubernetes.io/managed-by"] = "website-operator" }
  return {
    configMap = function(cm)
      cm.metadata.labels = labels
      cm.data = { ["index.html"] = ("<h1>%s</h1>\n"):format(name) }
    end,
    deployment = function(d)
      d.metadata.labels = labels
      d.spec = d.spec or {}
      d.spec.replicas = site.spec.replicas or 1
      d.spec.selector = { matchLabels = { app = name } }
      d.spec.template = {
        metadata = { labels = labels },
        spec = {
          containers = { { name = "web", image = site.spec.image, ports = { { containerPort = site.spec.port or 80 } },
                           volumeMounts = { { name = "page", mountPath = "/usr/share/nginx/html" } } } },
          volumes = { { name = "page", configMap = { name = name .. "-page" } } },
        },
      }
    end,
    service = function(s)
      s.metadata.labels = labels
      s.spec = s.spec or {}
      s.spec.selector = { app = name }
      s.spec.ports = { { port = 80, targetPort = site.spec.port or 80 } }
    end,
  }
end

-- operator.controller(c [, { workers = }]) → the Website controller.
function operator.controller(c, options)
  local events = c:EventRecorder("website-operator")
  return k8s.controller {
    name = "website", client = c, workers = options and options.workers or 2,
    primary = websites(c),
    owns = { c:AppsV1():Deployments(""), c:CoreV1():Services(""), c:CoreV1():ConfigMaps("") },
    reconcile = function(req)
      local sites = websites(c, req.namespace)
      local ok, site = pcall(sites.Get, sites, req.name)
      if not ok then
        if k8s.errors.IsNotFound(site) then return end  -- gone: its objects go with it (owner references)
        error(site, 0)
      end
      if site.metadata.deletionTimestamp then
        if k8s.finalizers.remove(site, FINALIZER) then
          events:Event(site, "Normal", "Deleted", "the Website and everything it owned are going")
          sites:Update(site)
        end
        return
      end
      if k8s.finalizers.add(site, FINALIZER) then
        sites:Update(site)
        return  -- the update's event brings it back
      end
      local want = desired(site)
      local function own(kind, apiVersion, name, mutate)
        local result = c:CreateOrUpdate({ apiVersion = apiVersion, kind = kind, metadata = { name = name, namespace = req.namespace } },
          function(o)
            mutate(o)
            k8s.SetControllerReference(site, o)
          end)
        if result == "created" then events:Event(site, "Normal", "Created", ("%s %s created"):format(kind, name)) end
        return result
      end
      own("ConfigMap", "v1", req.name .. "-page", want.configMap)
      own("Deployment", "apps/v1", req.name, want.deployment)
      own("Service", "v1", req.name, want.service)

      local deployment = c:AppsV1():Deployments(req.namespace):Get(req.name)
      local available = (deployment.status and deployment.status.availableReplicas or 0) >= (site.spec.replicas or 1)
      local changed = k8s.conditions.set(site, {
        type = "Ready", status = available and "True" or "False", reason = available and "Available" or "Progressing",
        message = ("%d/%d replicas available"):format(deployment.status and deployment.status.availableReplicas or 0, site.spec.replicas or 1),
      })
      if site.status.observedGeneration ~= site.metadata.generation then
        site.status.observedGeneration, changed = site.metadata.generation, true
      end
      if changed then sites:UpdateStatus(site) end
      if not available then return { requeueAfter = 1 } end  -- look again until it is up
    end,
  }
end

return operator
