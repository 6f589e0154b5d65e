#!/usr/bin/env python3
"""Every route the server declares is in proto-docs/openapi.yaml, and nothing else is (issue #19).

    openapi_routes.py STRONGBOX_BINARY [OPENAPI.yaml]

Starts the real binary (readme_examples.Server: port 0, a fresh data directory, stopped however
this ends), reads its route table from GET /admin/v1/routes with the admin key it wrote, and
compares (method, path) with the document's paths, path parameters compared by position only
({universe} in the router is {universeId} in the document). A route missing from the document,
or a documented operation the router does not serve, fails the test and is named. The document's
paths and methods are read from its layout (two-space path keys, four-space method keys) so the
test needs no YAML library; spectral (scripts/test.sh) checks that the layout is valid OpenAPI.
"""

import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from readme_examples import Server  # noqa: E402

METHODS = ("get", "post", "put", "patch", "delete")


def normalize(path):
    return re.sub(r"\{[^}]+\}", "{}", path)


def documented(openapi_path):
    ops, path = set(), None
    for line in open(openapi_path, encoding="utf-8"):
        m = re.match(r"^  (/[^ ]*):\s*$", line)
        if m:
            path = m.group(1)
            continue
        if re.match(r"^\S", line):
            path = None  # left the paths section
            continue
        m = re.match(r"^    (get|post|put|patch|delete):\s*$", line)
        if m and path:
            ops.add((m.group(1).upper(), normalize(path)))
    return ops


def served(binary):
    work = tempfile.mkdtemp(prefix="strongbox-openapi-")
    server = Server(os.path.abspath(binary), work)
    try:
        server.start()
        routes = json.loads(server.call("GET", "/admin/v1/routes"))["routes"]
        return {(r["method"], normalize(r["pattern"])) for r in routes}
    finally:
        code = server.stop()
        shutil.rmtree(work, ignore_errors=True)
        if code != 0:
            print("strongbox exited %s on SIGTERM" % code, file=sys.stderr)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    openapi = argv[2] if len(argv) > 2 else os.path.join(root, "proto-docs", "openapi.yaml")
    doc, routes = documented(openapi), served(argv[1])
    if not routes:
        print("the server listed no routes: the test proved nothing", file=sys.stderr)
        return 1
    missing, extra = sorted(routes - doc), sorted(doc - routes)
    for method, path in missing:
        print("served but not in %s: %s %s" % (openapi, method, path), file=sys.stderr)
    for method, path in extra:
        print("in %s but not served: %s %s" % (openapi, method, path), file=sys.stderr)
    if missing or extra:
        return 1
    print("OK: %d routes, each in %s" % (len(routes), openapi))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
