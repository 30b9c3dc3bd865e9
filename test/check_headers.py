#!/usr/bin/env python3
"""Compiles each installed header of one folder on its own.

    check_headers.py INCLUDE_ROOT [--skip GLOB]... -- COMPILER [ARGS...]

For every *.hpp under INCLUDE_ROOT (a folder's include/ directory) it writes a
one-line translation unit, `#include <ringactor/...>`, and compiles it with
COMPILER ARGS -fsyntax-only. A header that needs an include it does not have
fails here. Prints one line per failing header and its compiler output; exits
1 if any failed, 0 otherwise (and says how many headers it checked).
"""
import concurrent.futures
import fnmatch
import os
import pathlib
import subprocess
import sys
import tempfile


def main(argv):
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    sep = argv.index("--")
    opts, compiler = argv[:sep], argv[sep + 1:]
    if not opts or not compiler:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(opts[0])
    skips = [opts[i + 1] for i, o in enumerate(opts) if o == "--skip"]
    headers = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*.hpp")
        if not any(fnmatch.fnmatch(p.relative_to(root).as_posix(), s) for s in skips))
    if not headers:
        print(f"check_headers: no headers under {root}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        def check(header):
            tu = pathlib.Path(tmp) / (header.replace("/", "_") + ".cpp")
            tu.write_text(f"#include <{header}>\n")
            r = subprocess.run(compiler + ["-fsyntax-only", str(tu)], capture_output=True,
                               text=True)
            return header, r.returncode, r.stdout + r.stderr

        jobs = max(1, min(4, os.cpu_count() or 1))
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            results = list(pool.map(check, headers))
    failed = [(h, out) for h, rc, out in results if rc != 0]
    for h, out in failed:
        print(f"FAIL {h} does not compile on its own:\n{out}")
    print(f"{len(headers) - len(failed)} of {len(headers)} headers under {root} compile on their own")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
