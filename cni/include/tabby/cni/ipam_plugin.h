#pragma once
// The `tabby-ipam` CNI plugin (calico-ipam's behaviour, calico-node.md §5.9): ADD allocates an
// IPv4 and/or IPv6 address for the container under the handle "<network name>.<container id>"
// (or the address in CNI_ARGS IP=), from the pools whose nodeSelector selects the labels of the
// node's stored Node resource, or from the config's ipv4_pools/ipv6_pools whatever their
// selectors (Calico's requested pools); a node that is not stored fails the ADD. DEL releases
// everything under that handle, and only that, and is idempotent; CHECK confirms the
// allocation still exists. Usable by any main plugin that delegates IPAM (the `tabby` plugin,
// or e.g. `bridge`).

#include <string>

#include "tabby/cni/cni_protocol.h"

namespace tabby::cni {

struct PluginOutput {
  int exit_code = 0;
  std::string stdout_text;  // the result, or the error result
  std::string stderr_text;  // warnings, one per line, for the runtime's log
};

// `env` provides CNI_* and the datastore's variables (the config's datastore fields win).
PluginOutput run_ipam_plugin(const std::string& stdin_text, const EnvLookup& env);

}  // namespace tabby::cni
