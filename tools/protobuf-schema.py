#!/usr/bin/env python3
"""Writes the embedded server's protobuf schema (Sources/KubeServer/Resources/protobuf-schema.json)
from the Go types of Kubernetes v1.24, the source of k8s.io/api's generated.proto: each struct's
fields with their protobuf numbers (the `protobuf:"bytes,1,opt,name=..."` tags go-to-protobuf
reads), JSON names (inline embeds flattened), Go pointer-ness and `omitempty`, so that one decoder
turns a protobuf body into the JSON object Go's generated code and encoding/json would make.

    tools/protobuf-schema.py VENDOR > Sources/KubeServer/Resources/protobuf-schema.json

VENDOR is the vendor directory of Kubernetes v1.24's source, as ../shared/real-cluster/build.sh
extracts it (`$KCLUSTER/src/vendor`). tools/protobuf-schema-extra/ adds the upstream types of what
the server serves beyond v1.24 (SelfSubjectReview, from v1.28), read as part of their packages.
"""
import json, os, re, sys

vendor = sys.argv[1]
roots = ["k8s.io/api", "k8s.io/apimachinery/pkg/apis/meta/v1", "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1",
         "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"]
# Types whose JSON is not their struct's (they marshal themselves), by package path and name.
special = {
    "k8s.io/apimachinery/pkg/apis/meta/v1.Time": "time", "k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime": "microtime",
    "k8s.io/apimachinery/pkg/apis/meta/v1.Duration": "duration", "k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1": "raw",
    "k8s.io/apimachinery/pkg/util/intstr.IntOrString": "intorstring", "k8s.io/apimachinery/pkg/api/resource.Quantity": "quantity",
    "k8s.io/apimachinery/pkg/runtime.RawExtension": "raw", "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSON": "raw",
}
# Types that marshal as one of their members (apiextensions' JSON schema unions): kept as messages,
# their kind says how the decoder shows them.
unions = {
    "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaPropsOrArray": "schemaorarray",
    "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaPropsOrBool": "schemaorbool",
    "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaPropsOrStringArray": "schemaorstrings",
}
scalars = {"string": "string", "bool": "bool", "int32": "int", "int64": "int", "int": "int", "uint32": "int", "uint64": "int",
           "float64": "float", "byte": "int"}

packages = {}  # path -> {"structs": {name: [fields]}, "named": {name: go type}, "imports": {alias: path}, "group": str}

def package_dirs():
    for root in roots:
        base = os.path.join(vendor, root)
        if root == "k8s.io/api":
            for group in sorted(g for g in os.listdir(base) if os.path.isdir(os.path.join(base, g))):
                for version in sorted(os.listdir(os.path.join(base, group))):
                    if os.path.exists(os.path.join(base, group, version, "types.go")):
                        yield f"{root}/{group}/{version}"
        else:
            yield root

field_re = re.compile(r'^\s*(?:(\w+)\s+)?([\w.\[\]*]+(?:\[[\w.]+\][\w.\[\]*]+)?)\s+`([^`]*)`')

extra = os.path.join(os.path.dirname(os.path.abspath(__file__)), "protobuf-schema-extra")

def parse(path):
    pkg = {"structs": {}, "named": {}, "imports": {}, "group": None}
    files = []
    for directory in (os.path.join(vendor, path), os.path.join(extra, path)):
        if os.path.isdir(directory): files += [os.path.join(directory, name) for name in sorted(os.listdir(directory))]
    for file in files:
        name = os.path.basename(file)
        if not name.endswith(".go") or name.endswith("_test.go") or name.startswith("zz_generated") or name.endswith(".pb.go"):
            continue
        text = open(file).read()
        for alias, imported in re.findall(r'^\s*(\w+)?\s*"([\w./-]+)"\s*$', text, re.M):
            pkg["imports"][alias or imported.rsplit("/", 1)[-1]] = imported
        group = re.search(r'const GroupName = "([^"]*)"', text)
        if group: pkg["group"] = group.group(1)
        for match in re.finditer(r'^type (\w+) struct \{\n(.*?)^\}', text, re.M | re.S):
            fields = []
            for line in match.group(2).split("\n"):
                line = line.split("//")[0] if "`" not in line else line
                m = field_re.match(line)
                if not m: continue
                fields.append({"name": m.group(1), "type": m.group(2), "tag": m.group(3)})
            pkg["structs"][match.group(1)] = fields
        for empty in re.findall(r'^type (\w+) struct\{\}', text, re.M):
            pkg["structs"][empty] = []
        for name_, gotype in re.findall(r'^type (\w+) ((?:\[\]|map\[|\*)?[\w.\[\]*]+)\s*$', text, re.M):
            if gotype != "struct": pkg["named"][name_] = gotype
    return pkg

for path in package_dirs():
    packages[path] = parse(path)

def tag(tags, key):
    m = re.search(key + r':"([^"]*)"', tags)
    return m.group(1) if m else None

def resolve(gotype, pkgpath):
    """(qualified name or scalar) of a Go type name written in package pkgpath."""
    if gotype in scalars: return ("scalar", scalars[gotype])
    if "." in gotype:
        alias, name = gotype.split(".", 1)
        path = packages[pkgpath]["imports"].get(alias, alias)
    else:
        path, name = pkgpath, gotype
    full = f"{path}.{name}"
    if full in special: return ("special", special[full])
    if path not in packages and os.path.isdir(os.path.join(vendor, path)): packages[path] = parse(path)
    pkg = packages.get(path)
    if pkg is None: raise SystemExit(f"unknown package {path} for {gotype} in {pkgpath}")
    if name in pkg["named"]: return ("named", pkg["named"][name], path)
    if name in pkg["structs"]: return ("struct", full)
    raise SystemExit(f"unknown type {gotype} in {pkgpath}")

wanted, types = [], {}

def kind_of(gotype, pkgpath):
    """The decoder's kind of a Go type: scalar names, specials, msg:<type>, list:<kind>, map:<kind>."""
    if gotype.startswith("*"): return kind_of(gotype[1:], pkgpath)
    if gotype == "[]byte": return "bytes"
    if gotype.startswith("[]"): return "list:" + kind_of(gotype[2:], pkgpath)
    if gotype.startswith("map["):
        value = gotype[gotype.index("]") + 1:]
        return "map:" + kind_of(value, pkgpath)
    resolved = resolve(gotype, pkgpath)
    if resolved[0] in ("scalar", "special"): return resolved[1]
    if resolved[0] == "named":
        inner = kind_of(resolved[1], resolved[2])
        # a named slice is a wrapper message (go-to-protobuf's `repeated ... items = 1`) where it is
        # a map's value or a list's element; as a field of its own it is the repeated field itself
        return ("wrapped" + inner) if inner.startswith("list:") else inner
    if resolved[1] not in types and resolved[1] not in wanted: wanted.append(resolved[1])
    return unions.get(resolved[1], "msg") + ":" + resolved[1]

def fields_of(full):
    path, name = full.rsplit(".", 1)
    result = []
    for field in packages[path]["structs"][name]:
        proto = tag(field["tag"], "protobuf")
        if not proto or proto == "-": continue
        wire, number = proto.split(",")[:2]
        jsonname = (tag(field["tag"], "json") or "").split(",")
        omitempty = "omitempty" in jsonname[1:]
        gotype = field["type"]
        kind = kind_of(gotype, path)
        if kind.startswith("wrappedlist:") and not gotype.startswith("map["):
            kind = kind[len("wrapped"):]  # a named slice as a field: repeated, not wrapped
        flags = ("p" if gotype.startswith("*") else "") + ("o" if omitempty else "")
        # an embedded struct without a JSON name is inline (its members are the parent's)
        name = jsonname[0] if tag(field["tag"], "json") is not None else (field["name"] or "")
        result.append([int(number), name, kind, flags])
    return result

# every top-level kind: a struct with an inline TypeMeta and ObjectMeta or ListMeta
kinds = {}
for path, pkg in list(packages.items()):
    if pkg["group"] is None or not pkg["structs"]: continue
    version = path.rsplit("/", 1)[-1]
    group_version = f"{pkg['group']}/{version}" if pkg["group"] else version
    for name, fields in pkg["structs"].items():
        if any(f["name"] is None and f["type"].endswith("TypeMeta") for f in fields):
            kinds[f"{group_version} {name}"] = f"{path}.{name}"
            if f"{path}.{name}" not in wanted: wanted.append(f"{path}.{name}")
while wanted:
    full = wanted.pop()
    if full not in types: types[full] = fields_of(full)
json.dump({"kinds": dict(sorted(kinds.items())), "types": dict(sorted(types.items()))}, sys.stdout, separators=(",", ":"))
sys.stdout.write("\n")
