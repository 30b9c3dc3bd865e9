#!/usr/bin/env python3
"""Checks a Grafana dashboard against a real metrics page: every PromQL
expression in the dashboard names only metric families that the exporter
emits (a histogram's _bucket/_sum/_count series count as its family).

usage: check_dashboard.py DASHBOARD.json PROGRAM [ARGS...]
PROGRAM prints a Prometheus text page (examples/metrics does)."""
import json
import re
import subprocess
import sys


def series_names(page):
    """The sample names a page can have, from its # TYPE lines."""
    names = set()
    for line in page.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)$", line)
        if not m:
            continue
        name, kind = m.groups()
        names.add(name)
        if kind == "histogram":
            names.update(name + s for s in ("_bucket", "_sum", "_count"))
    return names


def expressions(node, path="dashboard"):
    """(json path, expr) of every target in every panel, rows included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "query") and isinstance(value, str):
                yield path, value
            else:
                yield from expressions(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from expressions(value, f"{path}[{i}]")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    with open(sys.argv[1]) as f:
        dashboard = json.load(f)
    page = subprocess.run(sys.argv[2:], check=True, capture_output=True, text=True,
                          timeout=120).stdout
    known = series_names(page)
    if not known:
        print("the program printed no metric families")
        return 1
    exprs = list(expressions(dashboard))
    if not exprs:
        print("the dashboard has no expressions")
        return 1
    failures = 0
    used = set()
    for path, expr in exprs:
        # Label values in quotes are not metric names.
        bare = re.sub(r'"[^"]*"', '""', expr)
        for name in re.findall(r"\bringactor_[a-z0-9_]+\b", bare):
            used.add(name)
            if name not in known:
                print(f"{path}: {name} is not emitted (expr: {expr})")
                failures += 1
    for panel in dashboard.get("panels", []):
        if panel.get("type") != "row" and not panel.get("targets"):
            print(f"panel '{panel.get('title')}' has no query")
            failures += 1
    print(f"{len(exprs)} expressions, {len(used)} metric names, {failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
