#!/bin/bash
# Every program answers --help with its usage, naming its options (exit 0), and a flag it does
# not know with one clear line naming the flag (non-zero), at once: no hang on stdin, no
# uncaught exception.
# Usage: programs_answer_help.sh PROGRAM...
set -u
failed=0
for program in "$@"; do
  name=$(basename "$program")
  out=$(timeout 10 "$program" --help </dev/null 2>&1); status=$?
  if [[ $status -ne 0 ]] || ! grep -qE -- '--[a-z]' <<<"$out"; then
    echo "FAIL: $name --help: exit $status, output: $out"; failed=1
  else
    echo "ok: $name --help"
  fi
  out=$(timeout 10 "$program" --no-such-flag </dev/null 2>&1); status=$?
  if [[ $status -eq 0 || $status -ge 124 ]] || ! grep -q -- '--no-such-flag' <<<"$out" ||
    grep -qiE 'terminate called|uncaught|Aborted' <<<"$out"; then
    echo "FAIL: $name --no-such-flag: exit $status, output: $out"; failed=1
  else
    echo "ok: $name --no-such-flag: $(head -1 <<<"$out")"
  fi
done
exit $failed
