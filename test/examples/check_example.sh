#!/bin/sh
# Usage: check_example.sh PROGRAM EXPECTED [ARGS...]
# Runs PROGRAM and passes if it exits 0 and prints EXPECTED.
prog="$1"; expect="$2"; shift 2
out=$("$prog" "$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -ne 0 ]; then
  echo "FAIL: $prog exited with $rc"
  exit 1
fi
if ! printf '%s' "$out" | grep -qF -- "$expect"; then
  echo "FAIL: $prog did not print: $expect"
  exit 1
fi
