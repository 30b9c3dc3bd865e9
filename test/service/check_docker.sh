#!/usr/bin/env bash
# Builds ringactor-server's image (service/deploy/Dockerfile) and checks that
# a container of it answers its health paths on a loopback port; skipped
# (exit 77) when no Docker daemon answers.
#   check_docker.sh SOURCE_ROOT
set -uo pipefail
root="$1"
if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  echo "SKIP: no Docker daemon answers here (docker info failed); the image is not built"
  exit 77
fi
tag="ringactor-server-test:$$"
name="ringactor-server-test-$$"
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1
  docker rmi "$tag" >/dev/null 2>&1
}
trap cleanup EXIT
docker build -f "$root/service/deploy/Dockerfile" -t "$tag" "$root" || { echo "FAIL: docker build"; exit 1; }
docker run -d --name "$name" -p 127.0.0.1::8080 "$tag" >/dev/null || { echo "FAIL: docker run"; exit 1; }
port="$(docker port "$name" 8080/tcp | head -n1 | sed 's/.*://')"
for path in /health/live /health/ready /kernels; do
  ok=0
  for _ in $(seq 1 50); do
    if curl -fsS --max-time 2 "http://127.0.0.1:$port$path" >/dev/null 2>&1; then
      ok=1
      break
    fi
    sleep 0.2
  done
  if [ "$ok" -ne 1 ]; then
    echo "FAIL: GET $path on the container (port $port)"
    docker logs "$name"
    exit 1
  fi
  echo "GET $path: 200"
done
docker stop -t 15 "$name" >/dev/null
status="$(docker inspect -f '{{.State.ExitCode}}' "$name")"
[ "$status" = 0 ] || { echo "FAIL: the container exited $status after SIGTERM"; docker logs "$name"; exit 1; }
echo "the container stopped with exit status 0"
