#!/usr/bin/env python3
"""docs/openapi.yaml checked against itself and against a running exportd.

  check_openapi.py EXPORTD EXPORTCTL SOURCE_DIR WORK_DIR

1. The file is OpenAPI 3.1 shaped: `openapi: 3.1.x`, info with title and
   version, paths whose operations have responses, every path template
   parameter declared, unique operationIds, known security schemes, and
   every $ref (local, or into docs/customization.schema.json) resolves.
2. Every documented path and method answers a signed request on a real
   exportd (over a store made by `exportctl demo`) with a status the file
   documents for it (never 405, never 404 route_not_found), and a JSON body
   that validates against the documented schema; a method it does not
   document answers 405; unsigned, each signed route answers the
   documented 401. info.version is the project's (CMakeLists.txt).
3. Every route the server registers (libexport/src/http/route_table.cpp,
   and /healthz and /metrics of export_routes.cpp) is documented.

Signing is done here (hmac, hashlib), independently of the C++ code.
"""
import base64
import email.utils
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import warnings

import jsonschema
import yaml

METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
failures = []
passed = 0


def check(ok, message):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(message)
        print("FAIL: " + message)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f) if path.endswith(".json") else yaml.safe_load(f)


class Documents:
    """The OpenAPI file and the files its $refs name, by absolute path."""

    def __init__(self, root_path):
        self.root_path = os.path.abspath(root_path)
        self.docs = {self.root_path: load(self.root_path)}

    def resolve(self, ref, base_path):
        """(document path, node) that `ref`, written in base_path, names."""
        file_part, _, pointer = ref.partition("#")
        path = (os.path.normpath(os.path.join(os.path.dirname(base_path),
                                              file_part))
                if file_part else base_path)
        if path not in self.docs:
            if not os.path.exists(path):
                raise KeyError("no file " + path)
            self.docs[path] = load(path)
        node = self.docs[path]
        for token in [t for t in pointer.split("/") if t][0:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(token)]
            else:
                node = node[token]
        return path, node

    def deref(self, node, base_path=None):
        """`node` with its $ref chain followed (a local copy)."""
        base_path = base_path or self.root_path
        while isinstance(node, dict) and "$ref" in node:
            base_path, node = self.resolve(node["$ref"], base_path)
        return node


def every_ref(node, where):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"], where
        for k, v in node.items():
            yield from every_ref(v, where + "/" + str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from every_ref(v, where + "/" + str(i))


def check_shape(docs):
    spec = docs.docs[docs.root_path]
    check(isinstance(spec.get("openapi"), str) and
          re.fullmatch(r"3\.1\.\d+", spec["openapi"]) is not None,
          "openapi is 3.1.x (got %r)" % spec.get("openapi"))
    info = spec.get("info") or {}
    check(isinstance(info.get("title"), str) and info["title"],
          "info.title is set")
    check(isinstance(info.get("version"), str) and info["version"],
          "info.version is set")
    paths = spec.get("paths") or {}
    check(len(paths) > 0, "paths is not empty")
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    operation_ids = set()
    for path, item in paths.items():
        check(path.startswith("/"), path + ": starts with /")
        ops = {m: op for m, op in item.items() if m in METHODS}
        check(len(ops) > 0, path + ": has an operation")
        declared = {docs.deref(p)["name"] for p in item.get("parameters", [])
                    if docs.deref(p).get("in") == "path"}
        for method, op in ops.items():
            name = method.upper() + " " + path
            names = declared | {docs.deref(p)["name"]
                                for p in op.get("parameters", [])
                                if docs.deref(p).get("in") == "path"}
            for template in re.findall(r"\{([^}]+)\}", path):
                check(template in names,
                      name + ": path parameter {%s} is declared" % template)
            responses = op.get("responses") or {}
            check(len(responses) > 0, name + ": has responses")
            for code, response in responses.items():
                check(re.fullmatch(r"[1-5][0-9][0-9]|default", str(code))
                      is not None, name + ": status %s is valid" % code)
                check("description" in docs.deref(response),
                      name + " %s: has a description" % code)
            op_id = op.get("operationId")
            check(op_id not in operation_ids,
                  name + ": operationId %s is unique" % op_id)
            operation_ids.add(op_id)
            for requirement in op.get("security", spec.get("security", [])):
                for scheme in requirement:
                    check(scheme in schemes,
                          name + ": security scheme %s exists" % scheme)
    # Every $ref of the file and of the files it names resolves.
    seen = set()
    pending = [(docs.root_path, docs.docs[docs.root_path])]
    while pending:
        base, node = pending.pop()
        for ref, where in every_ref(node, ""):
            key = (base, ref)
            if key in seen:
                continue
            seen.add(key)
            try:
                target_path, _ = docs.resolve(ref, base)
            except (KeyError, IndexError, ValueError) as e:
                check(False, "%s%s: $ref %s resolves (%s)" %
                      (os.path.basename(base), where, ref, e))
                continue
            check(True, "")
            if target_path != base and all(p != target_path
                                           for p, _ in pending):
                pending.append((target_path, docs.docs[target_path]))
    check(len(seen) > 10, "the file uses $refs (%d checked)" % len(seen))


def registered_routes(source_dir):
    """(path template, method) of every route the server registers."""
    http_dir = os.path.join(source_dir, "libexport", "src", "http")
    table = open(os.path.join(http_dir, "route_table.cpp")).read()
    routes = set()
    prefix = "/v1/recommender/pin/{tracker_id}/"
    for suffix, methods in re.findall(
            r'\{"([a-z_/]+)",\s*"[a-z_]+",\s*"([A-Z, ]+)"', table):
        for m in methods.split(","):
            routes.add((prefix + suffix, m.strip()))
    scope = re.search(r'kScope = "([a-z]+/)"', table)
    allow = re.search(r'r\.allow = "([A-Z, ]+)"', table)
    check(scope is not None and allow is not None,
          "route_table.cpp has the /scope/{ID} route")
    if scope and allow:
        for m in allow.group(1).split(","):
            routes.add((prefix + scope.group(1) + "{id}", m.strip()))
    routes_cpp = open(os.path.join(http_dir, "export_routes.cpp")).read()
    for path in re.findall(r'path == "(/[a-z]+)"', routes_cpp):
        routes.add((path, "GET"))
    check(len(routes) >= 12,
          "found the registered routes (%d)" % len(routes))
    return routes


class Exportd:
    def __init__(self, exportd, exportctl, work):
        store = os.path.join(work, "store")
        out = subprocess.run(
            [exportctl, "--store", store, "demo", "--customizations", "20",
             "--catalog", "10"], check=True, capture_output=True, text=True)
        self.tracker = "demo"
        self.key = re.search(r"^key: (\S+)$", out.stdout, re.M).group(1)
        self.log = open(os.path.join(work, "exportd.log"), "w")
        self.proc = subprocess.Popen(
            [exportd, "--store", store, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        banner = self.proc.stdout.readline()
        self.port = int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))

    def send(self, method, path, query="", content_type=None, body=b"",
             signed=True):
        headers = {}
        if signed:
            date = email.utils.formatdate(usegmt=True)
            to_sign = "\n".join([method, content_type or "", date, path])
            mac = hmac.new(self.key.encode(), to_sign.encode(),
                           hashlib.sha256).digest()
            headers["Date"] = date
            headers["Authorization"] = "ApiAuth %s:%s" % (
                self.tracker, base64.b64encode(mac).decode())
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path + query, body=body or None, headers=headers)
        res = conn.getresponse()
        data = res.read()
        conn.close()
        return res.status, dict(res.getheaders()), data

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


# What each documented operation is sent: a body that should succeed.
BODIES = {
    "application/json": b'{"model":"openapi","target_type":"all",'
                        b'"pin_definitions":[]}',
    "application/x-ndjson": b'{"model":"openapi","target_type":"all",'
                            b'"pin_definitions":[]}\n',
    "text/plain": b"/p/openapi/\n",
}


def schema_validator(docs, schema):
    # RefResolver: in every jsonschema 4.x (deprecated from 4.18 on).
    warnings.simplefilter("ignore", DeprecationWarning)
    root = docs.root_path
    store = {"file://" + p: d for p, d in docs.docs.items()}
    resolver = jsonschema.RefResolver(base_uri="file://" + root,
                                      referrer=docs.docs[root], store=store)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def check_answer(docs, name, op, status, data):
    """`status` is not 405 nor 404 route_not_found, is documented for `op`,
    and a JSON body matches the documented schema."""
    responses = {str(k): v for k, v in op["responses"].items()}
    check(status != 405, name + ": not 405")
    try:
        answer = json.loads(data) if data else None
    except ValueError:
        answer = None
    route_missing = (status == 404 and isinstance(answer, dict) and
                     answer.get("error", {}).get("code") == "route_not_found")
    check(not route_missing, name + ": not 404 route_not_found")
    check(str(status) in responses,
          name + ": status %d is documented (%s)" % (status, data[:200]))
    print("%s -> %d" % (name, status))
    if str(status) not in responses:
        return
    content = docs.deref(responses[str(status)]).get("content", {})
    schema = (content.get("application/json") or {}).get("schema")
    if schema is None:
        return
    check(answer is not None, name + " %d: the body is JSON" % status)
    errors = [e.message for e in
              schema_validator(docs, schema).iter_errors(answer)]
    check(not errors, name + " %d: the body matches the schema: %s"
          % (status, "; ".join(errors)[:500]))


def check_live(docs, server, routes):
    spec = docs.docs[docs.root_path]
    # An id that exists, for get, put and delete (in that order).
    status, _, body = server.send(
        "POST", "/v1/recommender/pin/demo/scopes/export",
        content_type="application/json; charset=utf-8")
    check(status == 200, "the export answers 200 (got %d)" % status)
    some_id = json.loads(body)["results"][0]["id"]
    documented = set()
    for template, item in spec["paths"].items():
        path = template.replace("{tracker_id}", server.tracker).replace(
            "{id}", some_id)
        params = [docs.deref(p) for p in item.get("parameters", [])]
        order = ["get", "post", "put", "delete"]
        for method in sorted((m for m in item if m in METHODS),
                             key=lambda m: order.index(m)
                             if m in order else 9):
            op = item[method]
            name = method.upper() + " " + template
            documented.add((template, method.upper()))
            query = []
            for p in params + [docs.deref(p) for p in
                               op.get("parameters", [])]:
                if p.get("in") == "query" and p.get("required"):
                    schema = p.get("schema", {})
                    query.append((p["name"], str(schema.get(
                        "default", (schema.get("enum") or ["x"])[0]))))
            content_type, body = None, b""
            if "requestBody" in op:
                media = next(iter(docs.deref(op["requestBody"])["content"]))
                content_type, body = media, BODIES[media]
            elif method == "post":
                content_type = "application/json; charset=utf-8"
            signed = op.get("security", spec.get("security")) != []
            status, headers, data = server.send(
                method.upper(), path,
                "?" + urllib.parse.urlencode(query) if query else "",
                content_type, body, signed)
            check_answer(docs, name, op, status, data)
            if signed:
                # Unsigned: the documented 401, with its diagnostics.
                status, _, data = server.send(method.upper(), path,
                                              content_type=content_type,
                                              signed=False)
                check(status == 401, name + ": unsigned is 401 (got %d)"
                      % status)
                check_answer(docs, name + " unsigned", op, status, data)
        # A method the path does not document answers 405.
        status, headers, data = server.send("PATCH", path)
        check(status == 405,
              "PATCH " + template + ": undocumented method is 405 (got %d)"
              % status)
    for route in sorted(routes):
        check(route in documented,
              "%s %s: served by exportd and documented" % (route[1], route[0]))


def main():
    exportd, exportctl, source_dir, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    docs = Documents(os.path.join(source_dir, "docs", "openapi.yaml"))
    check_shape(docs)
    cmake = open(os.path.join(source_dir, "CMakeLists.txt")).read()
    version = re.search(r"project\(libexport\s+VERSION\s+([0-9.]+)", cmake)
    check(version is not None and
          docs.docs[docs.root_path]["info"]["version"] == version.group(1),
          "info.version is the project's version")
    routes = registered_routes(source_dir)
    server = Exportd(exportd, exportctl, work)
    try:
        check_live(docs, server, routes)
    finally:
        server.stop()
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
