#!/bin/bash
# Each binary answers for its version, and stops with one clear line (non-zero) when it
# cannot do its job.
set -u
node=$1 ctl=$2 cni=$3 ipam=$4
failed=0
check() {  # check DESCRIPTION EXPECTED_STATUS PATTERN COMMAND...
  local what=$1 want=$2 pattern=$3; shift 3
  local out status
  out=$("$@" 2>&1); status=$?
  if [[ $status -ne $want ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: $what: exit $status (want $want), output: $out"; failed=1
  else
    echo "ok: $what"
  fi
}
check "tabby-node --version" 0 '^tabby-node [0-9]+\.[0-9]+\.[0-9]+' "$node" --version
check "tabby-node without a usable datastore stops" 1 '^tabby-node: opening the datastore: ' \
  env NODENAME=n DATASTORE_TYPE=sqlite TABBY_DATASTORE_PATH=/proc/no-such-dir/tabby.db "$node"
check "tabbyctl version" 0 'Client Version: +v[0-9]' "$ctl" version
check "tabbyctl node status refuses" 1 'not running' "$ctl" node status
check "tabby VERSION" 0 'supportedVersions' env CNI_COMMAND=VERSION "$cni"
check "tabby ADD without CNI_CONTAINERID is a CNI error" 1 '"code":4' env CNI_COMMAND=ADD "$cni"
check "tabby-ipam VERSION" 0 'supportedVersions' env CNI_COMMAND=VERSION "$ipam"
# Without CNI_COMMAND a plugin says what it is, as the reference plugins do, without waiting on
# stdin (the pipe here stays open for 6 s; the check allows 5).
check "tabby without CNI_COMMAND" 0 'CNI protocol versions supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0' \
  bash -c "timeout 5 env -u CNI_COMMAND '$cni' < <(exec sleep 6 2>/dev/null)"
check "tabby-ipam without CNI_COMMAND" 0 '^tabby-ipam v[0-9]' \
  bash -c "timeout 5 env -u CNI_COMMAND '$ipam' < <(exec sleep 6 2>/dev/null)"
check "tabby --version" 0 '^tabby v[0-9]' "$cni" --version
exit $failed
