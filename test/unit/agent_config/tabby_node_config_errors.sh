#!/bin/bash
# tabby-node stops at start with one line naming an invalid variable (exit 1), still answers
# --version and --help whatever the environment says, and a flag beats the environment.
set -u
node=$1
failed=0
check() {  # check DESCRIPTION EXPECTED_STATUS EXPECTED_OUTPUT_REGEX COMMAND...
  local what=$1 want=$2 pattern=$3; shift 3
  local out status
  out=$("$@" 2>&1); status=$?
  if [[ $status -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: $what: exit $status (want $want), output: $out"; failed=1
  else
    echo "ok: $what"
  fi
}
check "invalid IPIP mode" 1 \
  '^tabby-node: CALICO_IPV4POOL_IPIP="Sometimes" is not valid: use Always, CrossSubnet or Never$' \
  env NODENAME=n CALICO_IPV4POOL_IPIP=Sometimes "$node"
check "invalid flag value names the flag" 1 '^tabby-node: --health-port="0" is not valid' \
  env NODENAME=n "$node" --health-port 0
# With the configuration accepted, the agent gets as far as opening the datastore.
check "a flag beats an invalid variable" 1 'opening the datastore' \
  env NODENAME=n CALICO_NETWORKING_BACKEND=gobgp TABBY_DATASTORE_PATH=/proc/no-such-dir/t.db \
  "$node" --backend bird
check "--version ignores the environment" 0 '^tabby-node [0-9]' \
  env CALICO_IPV4POOL_IPIP=Sometimes "$node" --version
check "--help lists the flags" 0 '--ip-autodetection-method' "$node" --help
lines=$(env NODENAME=n CALICO_IPV4POOL_IPIP=Sometimes "$node" 2>&1 | wc -l)
if [[ $lines -ne 1 ]]; then echo "FAIL: the error is $lines lines, want 1"; failed=1; fi
exit $failed
