# Shared by scripts/demo, scripts/test and .ci/run. Source it; do not run it.

RINGACTOR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RINGACTOR_PACKAGES=(meson ninja-build pkg-config g++ python3 libfmt-dev doctest-dev
                    libconcurrentqueue-dev libcaf-dev libboost-json1.81-dev
                    libtomlplusplus-dev prometheus-cpp-dev libssl-dev prometheus
                    python3-prometheus-client curl
                    python3-yaml libgrpc++-dev libprotobuf-dev protobuf-compiler
                    protobuf-compiler-grpc python3-grpcio python3-h2 openssl python3-websockets
                    libucx-dev ucx-utils
                    pybind11-dev python3-pybind11 python3-dev python3-numpy libdlpack-dev
                    python3-pytest python3-pytest-timeout python3-pytest-asyncio)
# scripts/fuzz only: clang 14 and its libFuzzer and sanitizer runtimes.
RINGACTOR_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

# Installs the Debian packages that are missing (apt-get update once).
ensure_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  # An offline machine (scripts/gpu-check) brings its tools another way.
  if [ -n "${RINGACTOR_OFFLINE:-}" ]; then
    echo "RINGACTOR_OFFLINE: not installing ${missing[*]}"
    return 0
  fi
  echo "installing missing packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
}

# setup_build DIR [MESON_ARGS...]: meson setup of a new build directory.
# CUDA compiles go through scripts/nvcc-deps, which writes the header
# dependencies meson 1.0 does not ask nvcc for (see there). The native file
# stays in the build directory: meson rereads it when it regenerates.
setup_build() {
  local dir="$1"
  shift
  mkdir -p "$dir"
  printf "[binaries]\ncuda = '%s'\n" "$RINGACTOR_ROOT/scripts/nvcc-deps" >"$dir/nvcc-deps.ini"
  meson setup "$dir" "$RINGACTOR_ROOT" --native-file "$dir/nvcc-deps.ini" "$@"
}

# configure_only DIR [MESON_ARGS...]: sets up DIR once, and again from
# scratch when the arguments (or the compiler CXX names) changed.
configure_only() {
  local dir="$1"
  shift
  local stamp="$dir/.ringactor-setup-args"
  local args="${CXX:+CXX=$CXX }$*"
  if [ ! -f "$dir/build.ninja" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$args" ]; then
    rm -rf "$dir"
    setup_build "$dir" "$@"
    echo "$args" >"$stamp"
  fi
}

# configure_build DIR [MESON_ARGS...]: configure_only, then builds everything.
configure_build() {
  configure_only "$@"
  ninja -C "$1"
}

# run_suites DIR [MESON_TEST_ARGS...]: runs the tests and records the counts
# in DIR/.ringactor-counts as "ok fail skip", and the failed tests with the
# end of their output in DIR/.ringactor-failures.
run_suites() {
  local dir="$1"
  shift
  local rc=0
  meson test -C "$dir" --print-errorlogs "$@" || rc=$?
  local log="$dir/meson-logs/testlog.json"
  local ok=0 fail=0 skip=0
  if [ -f "$log" ]; then
    read -r ok fail skip < <(python3 - "$log" <<'PY'
import json, sys
ok = fail = skip = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line).get("result", "")
    if r in ("OK", "EXPECTEDFAIL"):
        ok += 1
    elif r == "SKIP":
        skip += 1
    else:
        fail += 1
print(ok, fail, skip)
PY
)
    # The failed tests and the end of what each printed, for the end of a
    # long log (.ci/run repeats them after the summary of its runs).
    python3 - "$log" >"$dir/.ringactor-failures" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)
    if r.get("result", "") in ("OK", "EXPECTEDFAIL", "SKIP"):
        continue
    print(f"FAILED {r.get('name')} ({r.get('result')}, {r.get('duration', 0):.1f} s)")
    out = (r.get("stdout") or "").splitlines() + (r.get("stderr") or "").splitlines()
    # doctest's failed checks first (a log's end is often warnings), then the end.
    # A "TEST CASE:" header is shown only when a failed check follows it
    # (cases that print a MESSAGE have one too).
    marks = ("ERROR:", "FATAL", "values:", "CRASHED")
    shown, case = [], None
    for text in out:
        if "TEST CASE:" in text:
            case = text
        elif any(m in text for m in marks):
            if case is not None:
                shown.append(case)
                case = None
            shown.append(text)
    for text in shown[:20]:
        print(f"  ! {text}")
    for text in out[-10:]:
        print(f"  | {text}")
PY
  fi
  if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
    fail=1 # meson failed without a failing test (e.g. a build error)
  fi
  echo "$ok $fail $skip" >"$dir/.ringactor-counts"
  return "$rc"
}

# summary_line OK FAIL SKIP
summary_line() {
  if [ "$3" -gt 0 ]; then
    echo "$1 passed, $2 failed, $3 skipped"
  else
    echo "$1 passed, $2 failed"
  fi
}
