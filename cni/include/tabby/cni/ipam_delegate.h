#pragma once
// Running another IPAM plugin, as a main plugin delegates to one (libcni's ipam.ExecAdd): the
// binary named by ipam.type, found in CNI_PATH, run with this plugin's CNI_* environment and
// the same network config on stdin; its stdout is the result (or CNI error) to use. This is how
// `tabby` works with host-local or any IPAM plugin other than its own, as Calico's plugin does.

#include <string>

#include "tabby/cni/cni_protocol.h"
#include "tabby/cni/ipam_plugin.h"

namespace tabby::cni {

// `command` is ADD, DEL or CHECK (it replaces CNI_COMMAND); the other CNI_* variables come from
// `env`, the rest of the environment from this process. A plugin that cannot be found or run is
// a CNI error naming it and CNI_PATH.
PluginOutput exec_ipam_plugin(const std::string& type, const std::string& command,
                              const std::string& stdin_text, const EnvLookup& env);

// host-local's "usePodCidr" (its subnet, or a range's) asks for the Kubernetes Node's
// spec.podCIDR, which Calico's plugin looks up in the Kubernetes API. tabby reads no Kubernetes
// API, so such a config is an error naming the field; empty when the config does not use it.
std::string use_pod_cidr_problem(const std::string& stdin_text);

}  // namespace tabby::cni
