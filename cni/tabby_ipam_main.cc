// tabby-ipam: the CNI IPAM plugin (cni/src/ipam_plugin.cc does the work).

#include "tabby/cni/ipam_plugin.h"
#include "tabby/cni/plugin_main.h"

namespace {

constexpr tabby::cni::PluginIdentity kIdentity{
    "tabby-ipam",
    "the CNI IPAM plugin that gives pods addresses from the node's /26 blocks of the IP pools, "
    "in the place of Calico's calico-ipam",
    "Configuration: Calico's ipam keys (assign_ipv4, assign_ipv6, ipv4_pools, ipv6_pools) and\n"
    "the network's nodename, datastore_type and etcd_endpoints; docs/ipam.md lists them."};

}  // namespace

int main(int argc, char** argv) {
  return tabby::cni::plugin_main(kIdentity, argc, argv, tabby::cni::run_ipam_plugin);
}
