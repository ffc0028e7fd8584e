// A conflist written for Calico runs tabby unchanged, through the real binaries as a runtime
// runs them (cni_runtime.h): the plugins installed under Calico's names (calico, calico-ipam, as
// install-cni does with CNI_CALICO_NAMES=true), and IPAM delegated to another plugin, Debian's
// host-local, as Calico's plugin delegates to it; host-local's usePodCidr is refused by name.

#include <gmock/gmock.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cni_lab_test.h"
#include "cni_runtime.h"

namespace tabby::lab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kDebianPlugins = "/usr/lib/cni";

class CalicoConflistTest : public CniLabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(fs::exists(std::string(kDebianPlugins) + "/host-local"))
        << kDebianPlugins << "/host-local is missing: install Debian's containernetworking-plugins "
        << "(scripts/run deps)";
    set_up_node(73);
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: main}\n"
        "spec: {cidr: 10.73.0.0/16}\n");
    apply("apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node1}\nspec: {}\n");
    // The plugins under Calico's names, beside nothing else.
    calico_bin_ = lab().dir() / "calico-bin";
    fs::create_directories(calico_bin_);
    const fs::path built = fs::path(TABBY_CNI_PLUGIN).parent_path();
    fs::copy_file(built / "tabby", calico_bin_ / "calico");
    fs::copy_file(built / "tabby-ipam", calico_bin_ / "calico-ipam");
  }
  cni::Runtime runtime() const {
    return cni::Runtime({calico_bin_.string(), kDebianPlugins}, node_->name());
  }
  static cni::Attachment attachment(const Netns& pod, const std::string& container_id) {
    return {.container_id = container_id,
            .netns = "/run/netns/" + pod.name(),
            .pod_namespace = "shop",
            .pod_name = container_id};
  }
  // Calico's calico.yaml conflist entry, as its install-cni fills it in.
  json calico_network(const json& ipam) const {
    const json plugin = {{"type", "calico"},
                         {"log_level", "info"},
                         {"log_file_path", "/var/log/calico/cni/cni.log"},
                         {"datastore_type", "sqlite"},
                         {"datastore_path", database_},
                         {"nodename", "node1"},
                         {"mtu", 0},
                         {"ipam", ipam},
                         {"policy", {{"type", "k8s"}}},
                         {"kubernetes", {{"kubeconfig", "/etc/cni/net.d/calico-kubeconfig"}}}};
    return {{"cniVersion", "0.3.1"}, {"name", "k8s-pod-network"}, {"plugins", {plugin}}};
  }

  fs::path calico_bin_;
};

TEST_F(CalicoConflistTest, CalicosConflistRunsTabbyUnderCalicosNames) {
  auto cni = runtime();
  auto& pod = lab().add_pod("web");
  const json network = calico_network({{"type", "calico-ipam"}});
  auto added = cni.add(network, attachment(pod, "c-web"));
  ASSERT_TRUE(added.ok) << added.describe();
  const std::string address = added.result.at("ips").at(0).at("address");
  EXPECT_THAT(address, StartsWith("10.73."));
  EXPECT_TRUE(node_->ping(address.substr(0, address.find('/')), 2));
  EXPECT_THAT(added.last.stderr_text, HasSubstr("tabby does not read the Kubernetes API"));
  EXPECT_EQ(handles(), 1u);
  EXPECT_TRUE(cni.del(network, attachment(pod, "c-web")).ok);
  EXPECT_EQ(handles(), 0u);
}

TEST_F(CalicoConflistTest, IpamIsDelegatedToHostLocalAsCalicosPluginDoes) {
  auto cni = runtime();
  const fs::path data_dir = lab().dir() / "host-local";
  const json network = calico_network(
      {{"type", "host-local"}, {"subnet", "10.99.7.0/24"}, {"dataDir", data_dir.string()}});
  auto& pod = lab().add_pod("hl");
  auto added = cni.add(network, attachment(pod, "c-hl"));
  ASSERT_TRUE(added.ok) << added.describe();
  const std::string address = added.result.at("ips").at(0).at("address");
  EXPECT_THAT(address, StartsWith("10.99.7."));
  const std::string ip = address.substr(0, address.find('/'));
  EXPECT_THAT(pod.must("ip -o addr show eth0"), HasSubstr(ip + "/32"));
  EXPECT_TRUE(node_->ping(ip, 2));
  EXPECT_TRUE(fs::exists(data_dir / "k8s-pod-network" / ip)) << "host-local did not allocate";
  EXPECT_EQ(handles(), 0u) << "tabby's IPAM was used";
  EXPECT_TRUE(cni.del(network, attachment(pod, "c-hl")).ok);
  EXPECT_FALSE(fs::exists(data_dir / "k8s-pod-network" / ip)) << "host-local did not release";

  // usePodCidr needs the Kubernetes Node; a plugin not in CNI_PATH is named.
  auto& other = lab().add_pod("podcidr");
  auto pod_cidr = cni.add(calico_network({{"type", "host-local"}, {"subnet", "usePodCidr"}}),
                          attachment(other, "c-podcidr"));
  ASSERT_FALSE(pod_cidr.ok);
  EXPECT_THAT(pod_cidr.last.stdout_text, HasSubstr("ipam.subnet: \\\"usePodCidr\\\""));
  auto missing = cni.add(calico_network({{"type", "whereabouts"}}), attachment(other, "c-missing"));
  ASSERT_FALSE(missing.ok);
  EXPECT_THAT(missing.last.stdout_text, HasSubstr("IPAM plugin whereabouts not found in CNI_PATH"));
  EXPECT_THAT(other.must("ip -o link show"), ::testing::Not(HasSubstr("eth0")));
}

}  // namespace
}  // namespace tabby::lab
