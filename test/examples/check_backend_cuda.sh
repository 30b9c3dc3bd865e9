#!/bin/sh
# Usage: check_backend_cuda.sh PIPELINE
# `pipeline --backend cuda` either runs its workers on CUDA and loses nothing
# (a usable GPU: the demo's kernel is registered for CUDA), or fails at once
# with a message that says --backend cuda is not usable here and why (no
# device, or a build without the CUDA backend). Anything else fails.
prog="$1"
out=$("$prog" --backend cuda --duration 1 --faults 0 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -eq 0 ]; then
  if printf '%s' "$out" | grep -qF "persistent kernels (CUDA)" \
    && printf '%s' "$out" | grep -qF "lost: 0"; then
    exit 0
  fi
  echo "FAIL: exited 0 but did not run on CUDA without loss"
  exit 1
fi
if printf "%s" "$out" | grep -qF -- "--backend cuda is not usable here: "; then
  exit 0
fi
echo "FAIL: $prog --backend cuda exited with $rc without saying why CUDA is not usable"
exit 1
