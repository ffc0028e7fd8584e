// The pod's MTU: the network configuration's, else the agent's /var/lib/calico/mtu.

#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>

#include "tabby/cni/pod_plugin.h"
#include "tabby/dataplane/mtu_file.h"

namespace tabby::cni {
namespace {

NetworkConfig parsed(const std::string& text) {
  auto config = parse_network_config(text);
  if (auto* error = std::get_if<PluginError>(&config)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<NetworkConfig>(config);
}

class PodMtuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tabby-pod-mtu-test-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  NetworkConfig config(const std::string& mtu) const {
    return parsed(R"({"cniVersion":"1.0.0","name":"k8s-pod-network","type":"tabby",)" + mtu +
                  R"("mtu_file":")" + (dir_ / "mtu").string() +
                  R"(","ipam":{"type":"tabby-ipam"}})");
  }
  std::filesystem::path dir_;
};

TEST_F(PodMtuTest, ZeroOrAbsentTakesTheAgentsFile) {
  ASSERT_TRUE(dataplane::write_mtu_file(dir_ / "mtu", 1450).ok());
  EXPECT_EQ(*pod_mtu(config(R"("mtu":0,)")), 1450u);
  EXPECT_EQ(*pod_mtu(config("")), 1450u);
}

TEST_F(PodMtuTest, AConfiguredMtuWinsOverTheFile) {
  ASSERT_TRUE(dataplane::write_mtu_file(dir_ / "mtu", 1450).ok());
  EXPECT_EQ(*pod_mtu(config(R"("mtu":9000,)")), 9000u);
}

TEST_F(PodMtuTest, NoFileLeavesTheKernelsDefault) {
  EXPECT_EQ(*pod_mtu(config(R"("mtu":0,)")), 0u);
}

TEST_F(PodMtuTest, ABadFileIsAnErrorNamingIt) {
  std::ofstream(dir_ / "mtu") << "jumbo\n";
  auto mtu = pod_mtu(config(R"("mtu":0,)"));
  ASSERT_FALSE(mtu.ok());
  EXPECT_THAT(mtu.error().message, ::testing::HasSubstr((dir_ / "mtu").string()));
}

TEST(PodMtuConfigTest, TheDefaultFileIsCalicos) {
  const NetworkConfig config =
      parsed(R"({"cniVersion":"1.0.0","name":"n","type":"tabby","ipam":{"type":"tabby-ipam"}})");
  EXPECT_EQ(config.mtu_file, dataplane::kDefaultMtuFile);
  EXPECT_EQ(config.mtu, 0);
}

}  // namespace
}  // namespace tabby::cni
