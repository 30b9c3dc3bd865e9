#!/usr/bin/env python3
"""Checks the device-facing headers (docs/device-headers.md).

    check_device_headers.py closure HEADER... -- COMPILER [ARGS...]
        For each HEADER (as written in an #include, e.g. ringactor/gpu/device.hpp)
        lists what it includes with COMPILER ARGS -M and fails if that closure
        contains a host-only header: fmt/, <iostream>, <thread>, <mutex> or
        <condition_variable>.
    check_device_headers.py compile SOURCE -- COMPILER [ARGS...]
        Compiles SOURCE to an object (thrown away), e.g. a .cu file with nvcc; fails
        on an error or a warning.
"""
import pathlib
import re
import subprocess
import sys
import tempfile

# What a kernel must not pull in: fmt 9 does not compile under nvcc 13, and
# the rest are host threading and streams, which device code cannot use.
FORBIDDEN = re.compile(r"(/fmt/|/iostream$|/thread$|/mutex$|/condition_variable$)")


def closure(headers, compiler):
    failed = 0
    for header in headers:
        with tempfile.TemporaryDirectory() as tmp:
            tu = pathlib.Path(tmp) / "tu.cpp"
            tu.write_text(f"#include <{header}>\n")
            r = subprocess.run(compiler + ["-M", str(tu)], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL {header}: the compiler could not list its includes:\n{r.stderr}")
            failed += 1
            continue
        deps = r.stdout.replace("\\\n", " ").split()[1:]
        bad = sorted({d for d in deps if FORBIDDEN.search(d)})
        if bad:
            print(f"FAIL {header} includes host-only headers: " + " ".join(bad))
            failed += 1
    print(f"{len(headers) - failed} of {len(headers)} device-facing headers include no "
          "fmt, iostream, thread, mutex or condition_variable")
    return 1 if failed else 0


def compile_source(source, compiler):
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(compiler + ["-c", source, "-o", str(pathlib.Path(tmp) / "out.o")],
                           capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    if r.returncode != 0 or "warning" in out.lower():
        print(f"FAIL {compiler[0]} on {source} (exit {r.returncode}):\n{out}")
        return 1
    print(f"{compiler[0]} compiled {source} without errors or warnings")
    return 0


def main(argv):
    if len(argv) < 3 or "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    sep = argv.index("--")
    mode, args, compiler = argv[0], argv[1:sep], argv[sep + 1:]
    if mode == "closure" and args and compiler:
        return closure(args, compiler)
    if mode == "compile" and len(args) == 1 and compiler:
        return compile_source(args[0], compiler)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
