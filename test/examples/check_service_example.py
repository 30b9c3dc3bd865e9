#!/usr/bin/env python3
"""examples/service/quote_server as its README describes it: started with its
TOML on a free loopback port, it lists its kernel, prices an order, refuses
a malformed one with the field's path, and stops with exit status 0 on
SIGTERM.

    check_service_example.py QUOTE_SERVER CONFIG
"""
import http.client
import json
import re
import signal
import subprocess
import sys

server, config = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}")


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body)
        res = conn.getresponse()
        return res.status, json.loads(res.read() or b"null")
    finally:
        conn.close()


proc = subprocess.Popen([server, "--config", config, "--http.port=0"], stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True)
try:
    line = proc.stdout.readline()  # bounded by the test's timeout
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
    if m is None:
        print(f"FAIL: no 'listening on' line: {line!r}")
        sys.exit(1)
    port = int(m.group(1))

    status, kernels = call(port, "GET", "/kernels")
    print("GET /kernels:", status, json.dumps(kernels)[:300])
    ids = [k["id"] for k in kernels["kernels"]] if status == 200 else []
    check(ids == ["quotes"], f"the kernels are {ids}, not ['quotes']")
    if ids == ["quotes"]:
        msgs = kernels["kernels"][0]["messages"]
        check([x["name"] for x in msgs] == ["quotes.request"]
              and msgs[0]["output_type"] == "quotes.quote",
              f"the kernel's messages: {msgs}")

    status, r = call(port, "POST", "/kernels/quotes/quotes.request",
                     '{"quantity":120,"unit_cents":250}')
    print("POST quotes.request:", status, r)
    check(status == 200, f"the quote answered {status}")
    if status == 200:
        out = r["output"]
        check(out["total_cents"] == 27000 and out["discount_percent"] == 10
              and out["serial"] >= 1, f"the quote of 120 x 250 cents is {out}")
        check(r["kernel_id"] == "quotes" and r["metadata"]["backend"] == "cpu",
              f"the reply's kernel and metadata: {r}")

    status, r = call(port, "POST", "/kernels/quotes/quotes.request",
                     '{"quantity":"many","unit_cents":250}')
    print("POST a malformed quote:", status, r)
    check(status == 400 and "quantity" in r.get("field", ""),
          f"a string quantity answered {status} {r}")

    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=20)
    check(rc == 0, f"SIGTERM: exit status {rc}")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
print(proc.stdout.read())
print(f"{len(failures)} problem(s)")
sys.exit(1 if failures else 0)
