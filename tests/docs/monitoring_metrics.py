#!/usr/bin/env python3
"""The shipped dashboard and alert rules only use metrics the server exports (issue #19).

    monitoring_metrics.py STRONGBOX_BINARY

Starts the real binary (readme_examples.Server), writes one entry, one queue item and one session
lock so every family has samples, scrapes GET /metrics with the admin key, and checks that every
metric name in docker/grafana/strongbox-dashboard.json's queries and in
docker/prometheus/strongbox-alerts.yml's expressions is exported (a histogram's _bucket, _sum and
_count count as its family). `up` is Prometheus' own; strongbox_memory_limit_bytes is exported
only under a cgroup memory limit, so it must at least be documented in proto-docs/operations.md.
It also checks the dashboard's shape: panel ids unique, every target with a query.
"""

import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from readme_examples import Server  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMQL_WORDS = {"sum", "by", "rate", "increase", "histogram_quantile", "min", "max",
                "predict_linear", "label_values", "le", "instance", "job", "status", "route",
                "family", "bucket", "universe", "queue", "outcome", "resource", "without", "on",
                "group_left", "humanizePercentage"}
CONDITIONAL = {"up", "strongbox_memory_limit_bytes"}


def names_in(expr):
    expr = re.sub(r'"[^"]*"', '""', expr)   # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)    # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)   # ranges
    return {w for w in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)
            if w not in PROMQL_WORDS and not w.startswith("__") and "_" in w or w == "up"}


def exported(binary):
    work = tempfile.mkdtemp(prefix="strongbox-metrics-")
    server = Server(os.path.abspath(binary), work)
    try:
        server.start()
        u = "/cloud/v2/universes/1"
        server.call("POST", u + "/data-stores/S/entries?id=a", '{"value":1}')
        server.call("POST", u + "/memory-store/queues/q/items", '{"data":1,"ttl":"60s"}')
        server.call("POST", u + "/session-locks/l:acquire", '{"owner":"s","ttl":"60s"}')
        server.call("POST", u + ":commit",
                    '{"operations":[{"entry":{"dataStore":"S","id":"b"},"create":{"value":1}}]}')
        text = server.call("GET", "/metrics")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            names.add(name)
            names.add(re.sub(r"_(bucket|sum|count)$", "", name))
    return names


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    dashboard = json.load(open(os.path.join(ROOT, "docker/grafana/strongbox-dashboard.json")))
    failures = []
    used = {}
    ids = [p["id"] for p in dashboard["panels"]]
    if len(ids) != len(set(ids)):
        failures.append("dashboard panel ids repeat: %s" % ids)
    for panel in dashboard["panels"]:
        if not panel.get("targets"):
            failures.append("panel %r has no query" % panel["title"])
        for target in panel.get("targets", []):
            if not target.get("expr"):
                failures.append("panel %r has a target without a query" % panel["title"])
            for name in names_in(target.get("expr", "")):
                used.setdefault(name, "dashboard panel %r" % panel["title"])
    for line in open(os.path.join(ROOT, "docker/prometheus/strongbox-alerts.yml")):
        m = re.match(r"\s*expr:\s*(.*)$", line)
        if m:
            for name in names_in(m.group(1)):
                used.setdefault(name, "alert rules")
    # Multi-line exprs (expr: |) continue on the following indented lines.
    text = open(os.path.join(ROOT, "docker/prometheus/strongbox-alerts.yml")).read()
    for block in re.findall(r"expr: \|\n((?:\s{10,}.*\n)+)", text):
        for name in names_in(block):
            used.setdefault(name, "alert rules")
    have = exported(argv[1])
    documented = open(os.path.join(ROOT, "proto-docs/operations.md")).read()
    for name, where in sorted(used.items()):
        if name in have:
            continue
        if name in CONDITIONAL and (name == "up" or "`%s`" % name in documented):
            continue
        failures.append("%s uses %s, which the server does not export" % (where, name))
    if len(used) < 10:
        failures.append("only %d metric names found in the dashboard and rules: the parser broke"
                        % len(used))
    for f in failures:
        print(f, file=sys.stderr)
    if failures:
        return 1
    print("OK: %d metric names, each exported (or documented as conditional)" % len(used))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
