#!/usr/bin/env python3
"""Turns the JSON lines of bench/run into a markdown table, one row per figure.

Usage: python3 bench/table.py [RESULTS.jsonl ...]   (reads stdin without files)

Each input line looks like
  {"bench":"ping_pong","impl":"caf","metric":"round_trips_per_s",
   "value":1234567,"unit":"1/s","workers":2}
Columns: the figure of each implementation, ratio = ringactor / caf (the form
the targets in issue 3 are stated in), and "ringactor better by", which folds in
whether a larger or a smaller value is better. A figure given more than once
(repeated runs appended to one file) is shown as its median. Lines that are not
JSON are ignored.

The wire benchmarks (bench/wire/) print several figures per line instead,
  {"bench":"wire_pod","impl":"ringactor","serialize_ns":8.1,"deserialize_ns":9.3}
each of which becomes a row (unit from the name's suffix: _ns, _mb_s, _us,
_per_s); their "memcpy" and "memcpy_vector" floors, and the HTTP benchmark's
"bare" and "in_process" sides, get columns of their own, each with
ringactor / floor (the 2x target of issue 19 is read against memcpy_vector,
a copy through a std::vector<std::byte> cleared and resized each time).
The Python module's benchmarks (bench/python/) get "python" and "cpp"
columns and python / cpp.
"""

import json
import statistics
import sys

IMPLS = ("ringactor", "caf")

# Units for which a larger value is better; every other unit (times, bytes,
# CPU, growth factors) is better when smaller.
HIGHER_IS_BETTER = {"1/s", "MB/s"}

# Units of the figures of a line without "metric" (the wire benchmarks), by
# the suffix of the figure's name.
SUFFIX_UNITS = (("_ns", "ns"), ("_mb_s", "MB/s"), ("_us", "us"), ("_per_s", "1/s"))
# Keys that describe a line's run rather than a figure.
LINE_KEYS = {"bench", "impl", "workers", "connections", "channels", "seconds"}

# Metrics that describe the run, not its speed: shown without ratio.
STATUS_METRICS = {"count", "timed_out_after_s", "exit_status", "wakeups_per_park"}


def read_lines(paths):
    if not paths:
        yield from sys.stdin
        return
    for path in paths:
        with open(path, encoding="utf-8") as f:
            yield from f


def load(lines):
    """Returns rows in first-seen order: (bench, metric) -> {impl: [values]}."""
    rows = {}
    units = {}
    workers = set()
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
            figures = list(figures_of(rec))
            impl = rec["impl"]
        except (ValueError, KeyError, AttributeError):
            continue
        for metric, value, unit in figures:
            if value is None:
                continue
            key = (rec["bench"], metric)
            rows.setdefault(key, {}).setdefault(impl, []).append(float(value))
            units.setdefault(key, unit)
        if "workers" in rec:
            workers.add(rec["workers"])
    return rows, units, workers


def figures_of(rec):
    """(metric, value, unit) of one line: its metric, or each figure of a
    wire benchmark line."""
    if "metric" in rec:
        yield rec["metric"], rec["value"], rec.get("unit", "")
        return
    for name, value in rec.items():
        if name in LINE_KEYS or not isinstance(value, (int, float)):
            continue
        unit = next((u for suffix, u in SUFFIX_UNITS if name.endswith(suffix)), "")
        yield name, value, unit


def fmt(value):
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.4g}"


def cell(rows, key, impl):
    values = rows.get(key, {}).get(impl)
    if values:
        text = fmt(statistics.median(values))
        return text + (f" (n={len(values)})" if len(values) > 1 else "")
    bench = key[0]
    timed_out = rows.get((bench, "timed_out_after_s"), {}).get(impl)
    if timed_out:
        return f"timed out ({fmt(timed_out[-1])} s)"
    failed = rows.get((bench, "exit_status"), {}).get(impl)
    if failed:
        return f"failed (exit {fmt(failed[-1])})"
    return "—"


def median_of(rows, key, impl):
    values = rows.get(key, {}).get(impl)
    return statistics.median(values) if values else None


def ratios(rows, key, unit):
    r = median_of(rows, key, "ringactor")
    c = median_of(rows, key, "caf")
    if key[1] in STATUS_METRICS:
        if key[1] != "count" or r is None or c is None:
            return "", ""
        return ("=" if r == c else "≠"), ""
    if r is None or c is None or c == 0:
        return "", ""
    ratio = r / c
    if unit in HIGHER_IS_BETTER:
        better = ratio
    else:
        better = c / r if r != 0 else float("inf")
    return f"{ratio:.3g}", f"{better:.3g}x"


def one_worker_ratio(rows, key):
    """ringactor (default workers) / ringactor_1w: above 1 means a second
    worker made it slower (for times) or larger (for memory)."""
    r = median_of(rows, key, "ringactor")
    one = median_of(rows, key, "ringactor_1w")
    if key[1] in STATUS_METRICS or r is None or one is None or one == 0:
        return ""
    return f"{r / one:.3g}"


def memcpy_ratio(rows, key, floor="memcpy"):
    """ringactor / a wire_pod floor: 2 means twice the floor."""
    r = median_of(rows, key, "ringactor")
    m = median_of(rows, key, floor)
    if r is None or m is None or m == 0:
        return ""
    return f"{r / m:.3g}"


def table(rows, units):
    # The Savina workloads (issue 18) also run ringactor with one worker.
    with_1w = any("ringactor_1w" in impls for impls in rows.values())
    extra_head = " ringactor_1w | ringactor/1w |" if with_1w else ""
    extra_rule = "---:|---:|" if with_1w else ""
    # The wire benchmarks' memcpy floors, and the HTTP benchmark's bare Beast
    # server and in-process calls (bench/http/).
    floors = [f for f in ("memcpy", "memcpy_vector", "bare", "in_process")
              if any(f in impls for impls in rows.values())]
    for f in floors:
        extra_head += f" {f} | ringactor/{f} |"
        extra_rule += "---:|---:|"
    # The Python module's benchmarks (bench/python/): a request from Python
    # next to the same request from C++.
    with_python = any("python" in impls for impls in rows.values())
    if with_python:
        extra_head += " python | cpp | python/cpp |"
        extra_rule += "---:|---:|---:|"
    out = [
        "| bench | metric | unit | ringactor | caf | ringactor/caf | ringactor better by |"
        + extra_head,
        "|---|---|---|---:|---:|---:|---:|" + extra_rule,
    ]
    for key in rows:
        bench, metric = key
        unit = units[key]
        ratio, better = ratios(rows, key, unit)
        line = (f"| {bench} | {metric} | {unit} | {cell(rows, key, 'ringactor')} "
                f"| {cell(rows, key, 'caf')} | {ratio} | {better} |")
        if with_1w:
            line += f" {cell(rows, key, 'ringactor_1w')} | {one_worker_ratio(rows, key)} |"
        for f in floors:
            line += f" {cell(rows, key, f)} | {memcpy_ratio(rows, key, f)} |"
        if with_python:
            p, c = median_of(rows, key, "python"), median_of(rows, key, "cpp")
            ratio = f"{p / c:.3g}" if p is not None and c else ""
            line += f" {cell(rows, key, 'python')} | {cell(rows, key, 'cpp')} | {ratio} |"
        out.append(line)
    return "\n".join(out)


def main(argv):
    rows, units, workers = load(read_lines(argv[1:]))
    if not rows:
        print("no benchmark figures found", file=sys.stderr)
        return 1
    if workers:
        print(f"workers: {', '.join(str(w) for w in sorted(workers))}\n")
    print(table(rows, units))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
