#!/usr/bin/env python3
"""The deployment files (service/deploy) against the server they deploy.

Reads the Kubernetes manifests, the Dockerfile and docker-compose.yml, checks
that their ports, probe paths and config path agree with one another, then
starts the real ringactor-server with the ConfigMap's TOML on a free loopback
port and checks that every probe and health-check path it names answers 200,
and that SIGTERM stops it with exit status 0 within the pod's grace period.

    check_deploy.py SERVER_BINARY SOURCE_ROOT
"""
import http.client
import ipaddress
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import tomllib

import yaml

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}")
    return ok


def load_manifests(folder):
    docs = []
    for name in sorted(os.listdir(folder)):
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(folder, name)) as f:
                docs += [d for d in yaml.safe_load_all(f) if d]
    return {d["kind"]: d for d in docs}


def seconds(text):
    """A TOML duration of the config loader ("5s", "500ms") in seconds."""
    m = re.fullmatch(r"(\d+)(ms|s|min)", text)
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "min": 60}[m.group(2)]


def get(port, path, limit=5.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=limit)
    try:
        conn.request("GET", path)
        res = conn.getresponse()
        return res.status, res.read().decode(errors="replace")
    finally:
        conn.close()


def main():
    server, root = sys.argv[1], sys.argv[2]
    deploy = os.path.join(root, "service", "deploy")
    kinds = load_manifests(os.path.join(deploy, "kubernetes"))
    for kind in ("Deployment", "Service", "ConfigMap"):
        if not check(kind in kinds, f"kubernetes/: no {kind}"):
            return
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    config_text = kinds["ConfigMap"]["data"]["server.toml"]
    config = tomllib.loads(config_text)
    http_port = config["http"]["port"]

    # -- the files agree with one another -----------------------------------
    def resolve(port):
        return ports.get(port) if isinstance(port, str) else port

    probes = {}
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if probe in container:
            get_spec = container[probe]["httpGet"]
            probes[probe] = get_spec["path"]
            check(resolve(get_spec["port"]) == http_port,
                  f"Deployment {probe} port {get_spec['port']} is not the server's http.port "
                  f"{http_port}")
    check("livenessProbe" in probes and "readinessProbe" in probes,
          "Deployment: liveness and readiness probes are required")
    check(http_port in ports.values(),
          f"Deployment: no containerPort is the server's http.port {http_port}")
    for p in kinds["Service"]["spec"]["ports"]:
        check(resolve(p["targetPort"]) == http_port,
              f"Service targetPort {p['targetPort']} is not the server's port {http_port}")
    mount = next((m["mountPath"] for m in container["volumeMounts"]
                  if m["name"] == "config"), None)
    args = container.get("args", [])
    check("--config" in args and mount is not None
          and args[args.index("--config") + 1] == f"{mount}/server.toml",
          f"Deployment: --config does not name the ConfigMap's mounted file ({args}, {mount})")
    grace = seconds(config["http"].get("shutdown_grace", "5s"))
    check(pod.get("terminationGracePeriodSeconds", 30) > grace,
          "Deployment: terminationGracePeriodSeconds is not longer than http.shutdown_grace")
    # The manifest's value is read, never bound: the server this test starts
    # listens on 127.0.0.1 (below).
    address = ipaddress.ip_address(config["http"].get("address", "127.0.0.1"))
    check(address.is_unspecified,
          "ConfigMap: a pod's server must listen on all interfaces (the unspecified address) for "
          "its probes and Service")
    limits = container.get("resources", {}).get("limits", {})
    check("nvidia.com/gpu" in limits, "Deployment: no GPU resource request")

    dockerfile = open(os.path.join(deploy, "Dockerfile")).read()
    exposed = [int(x) for x in re.findall(r"^EXPOSE\s+(\d+)", dockerfile, re.M)]
    env_port = re.search(r"RINGACTOR_HTTP__PORT=(\d+)", dockerfile)
    check(env_port is not None and exposed == [int(env_port.group(1))],
          f"Dockerfile: EXPOSE {exposed} is not its RINGACTOR_HTTP__PORT")
    check(http_port in exposed, f"Dockerfile: EXPOSE {exposed} is not the ConfigMap's {http_port}")
    # The instructions with their continuation lines joined (comments out).
    instructions = re.sub(r"\\\n", " ", "\n".join(
        line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")))
    healthcheck = [line for line in instructions.splitlines() if line.startswith("HEALTHCHECK")]
    check(len(healthcheck) == 1, f"Dockerfile: {len(healthcheck)} HEALTHCHECK instructions, not 1")
    health_paths = re.findall(r"http://127\.0\.0\.1:(\d+)(/[\w/]*)", " ".join(healthcheck))
    check(len(health_paths) == 1 and int(health_paths[0][0]) in exposed,
          f"Dockerfile: HEALTHCHECK does not curl the exposed port ({health_paths})")

    compose = yaml.safe_load(open(os.path.join(deploy, "docker-compose.yml")))
    svc = compose["services"]["ringactor-server"]
    published = [str(p).split(":") for p in svc["ports"]]
    check(all(len(p) == 3 and p[0] == "127.0.0.1" for p in published),
          f"docker-compose.yml: ports not published on loopback only ({svc['ports']})")
    check(all(int(p[-1]) in exposed for p in published),
          f"docker-compose.yml: the container port is not the image's ({svc['ports']})")
    compose_test = " ".join(svc["healthcheck"]["test"])
    compose_paths = re.findall(r"http://127\.0\.0\.1:(\d+)(/[\w/]*)", compose_test)
    check(len(compose_paths) == 1 and int(compose_paths[0][0]) in exposed,
          f"docker-compose.yml: the health check does not curl the image's port ({compose_test})")
    check(os.path.join("service", "deploy", "Dockerfile") in svc["build"]["dockerfile"],
          "docker-compose.yml: does not build service/deploy/Dockerfile")

    # -- the server serves what they name -------------------------------------
    paths = sorted(set(probes.values()) | {p for _, p in health_paths}
                   | {p for _, p in compose_paths})
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "server.toml")
        with open(path, "w") as f:
            f.write(config_text)
        # The ConfigMap's file as is, but on a free loopback port: a test
        # listens on 127.0.0.1 only.
        cmd = [server, "--config", path, "--http.address=127.0.0.1", "--http.port=0"]
        print("starting:", shlex.join(cmd))
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            line = proc.stdout.readline()  # bounded: the test's meson timeout
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if not check(m is not None, f"the server did not say where it listens: {line!r}"):
                return
            port = int(m.group(1))
            for p in paths + ["/metrics", "/kernels"]:
                status, body = get(port, p)
                print(f"GET {p}: {status}")
                check(status == 200, f"GET {p} answered {status}: {body[:200]}")
            status, body = get(port, "/kernels")
            for name in config.get("pools", {}):
                check(f'"id":"{name}"' in body, f"GET /kernels does not list the pool {name}")
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=pod.get("terminationGracePeriodSeconds", 30))
                check(rc == 0, f"SIGTERM: exit status {rc}, not 0")
                print(f"SIGTERM: exit {rc} after {time.monotonic() - started:.2f} s")
            except subprocess.TimeoutExpired:
                check(False, "SIGTERM: the server outlived the pod's grace period")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            rest = proc.stdout.read()
            if failures and rest:
                print(rest)


main()
print(f"{len(failures)} problem(s)")
sys.exit(1 if failures else 0)
