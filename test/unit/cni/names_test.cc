// The names the tabby plugin derives must be Calico's exactly: Felix finds the interface by
// them, and calicoctl the WorkloadEndpoint.

#include <gtest/gtest.h>

#include "tabby/cni/pod_plugin.h"

namespace tabby::cni {
namespace {

TEST(CalicoNamesTest, HostInterfaceNamesMatchCalicosTestVectors) {
  EXPECT_EQ(host_interface_name("namespace", "podname", "abc"), "cali82111e10a96");
  EXPECT_EQ(host_interface_name("default", "nginx", "abc"), "calic440f455693");
  EXPECT_EQ(host_interface_name("default", "", "0123456789abcdef"), "cali0123456789a");
}

TEST(CalicoNamesTest, WorkloadEndpointNamesDoubleTheDashesInEachSegment) {
  EXPECT_EQ(workload_endpoint_name("n1", "k8s", "my-pod", "eth0"), "n1-k8s-my--pod-eth0");
  EXPECT_EQ(workload_endpoint_name("node-1", "k8s", "web", "eth0"), "node--1-k8s-web-eth0");
}

}  // namespace
}  // namespace tabby::cni
