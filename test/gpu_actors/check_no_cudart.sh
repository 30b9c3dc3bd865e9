#!/bin/sh
# The core library must not need the CUDA runtime (the CUDA backend is
# libringactor-cuda): fails if LIBRARY (libringactor.so) names libcudart
# among its needed libraries (readelf) or resolves it (ldd).
#   check_no_cudart.sh LIBRARY
set -u
lib="$1"
[ -f "$lib" ] || { echo "FAIL: no library at $lib"; exit 1; }
needed=$(readelf -d "$lib") || { echo "FAIL: readelf -d $lib failed"; exit 1; }
echo "$needed" | grep NEEDED
if echo "$needed" | grep -q 'libcudart'; then
  echo "FAIL: $lib needs libcudart (readelf -d); the CUDA runtime belongs in libringactor-cuda"
  exit 1
fi
if ldd "$lib" | grep -q 'libcudart'; then
  echo "FAIL: $lib loads libcudart (ldd); the CUDA runtime belongs in libringactor-cuda"
  exit 1
fi
echo "ok: $lib does not link the CUDA runtime"
