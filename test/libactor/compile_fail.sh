#!/bin/sh
# Usage: compile_fail.sh SOURCE COMPILER [FLAGS...]
# Passes when compiling SOURCE fails with the diagnostic the source names in
# its first line, "// expect: TEXT", naming the offending type given in its
# second line, "// names: TEXT".
src="$1"; shift
expect=$(sed -n '1s|^// expect: ||p' "$src")
names=$(sed -n '2s|^// names: ||p' "$src")
out=$("$@" "$src" 2>&1)
if [ $? -eq 0 ]; then
  echo "FAIL: $src compiled, but it must not"
  exit 1
fi
if printf '%s' "$out" | grep -qF -- "$expect" \
   && { [ -z "$names" ] || printf '%s' "$out" | grep -qF -- "$names"; }; then
  echo "ok: $src is rejected with: $expect"
  printf '%s\n' "$out" | grep -F -- "$expect" | head -3
  exit 0
fi
echo "FAIL: $src failed to compile, but without the expected message: $expect"
printf '%s\n' "$out" | head -40
exit 1
