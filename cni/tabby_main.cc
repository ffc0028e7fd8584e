// tabby: the CNI plugin that wires pods to the host (cni/src/pod_plugin.cc does the work).

#include "tabby/cni/plugin_main.h"
#include "tabby/cni/pod_plugin.h"

namespace {

constexpr tabby::cni::PluginIdentity kIdentity{
    "tabby",
    "the CNI plugin that wires a pod to its node (a cali* veth, the pod's /32 route, its "
    "WorkloadEndpoint), in the place of Calico's calico plugin",
    "Configuration: Calico's keys (type, ipam with tabby-ipam or another IPAM plugin, nodename,\n"
    "nodename_file, datastore_type, etcd_endpoints, mtu, log_level); docs/ipam.md lists them."};

}  // namespace

int main(int argc, char** argv) {
  return tabby::cni::plugin_main(kIdentity, argc, argv, tabby::cni::run_pod_plugin);
}
