#include "target_configs.h"

namespace tabby::bench {

namespace {

std::string peer_name(std::size_t index) {
  return "p" + std::to_string(index + 1);
}

}  // namespace

std::string bird_config(const TargetSpec& spec) {
  const std::string self = spec.address.to_string();
  std::string config = "log stderr { warning, error, fatal };\nrouter id " + self +
                       ";\nprotocol device { scan time 10; }\n"
                       "template bgp feeder {\n  local " +
                       self + " as " + std::to_string(spec.as) +
                       ";\n  passive on;\n  hold time 240;\n";
  if (spec.route_reflector)
    // `direct` and `gateway direct`: the clients' next hops are on the shared link; iBGP
    // would otherwise want them resolved through an IGP table this BIRD does not have.
    config += "  rr client;\n  rr cluster id " + self +
              ";\n  direct;\n  ipv4 { import all; export all; gateway direct; };\n";
  else
    config += "  ipv4 { import all; export none; };\n";
  config += "}\n";
  for (std::size_t i = 0; i < spec.neighbors.size(); ++i)
    config += "protocol bgp " + peer_name(i) + " from feeder { neighbor " +
              spec.neighbors[i].address.to_string() + " as " +
              std::to_string(spec.neighbors[i].as) + "; }\n";
  return config;
}

std::string frr_config(const TargetSpec& spec) {
  const std::string self = spec.address.to_string();
  std::string config = "frr defaults traditional\nhostname target\nlog stdout warnings\n!\n";
  // Scenario 1 exports nothing: an outbound route-map that denies everything.
  if (!spec.route_reflector) config += "route-map NOTHING deny 10\n!\n";
  config += "router bgp " + std::to_string(spec.as) + "\n bgp router-id " + self +
            "\n no bgp ebgp-requires-policy\n no bgp network import-check\n";
  if (spec.route_reflector) config += " bgp cluster-id " + self + "\n";
  config += " neighbor feeders peer-group\n neighbor feeders passive\n";
  for (const auto& neighbor : spec.neighbors)
    config += " neighbor " + neighbor.address.to_string() + " remote-as " +
              std::to_string(neighbor.as) + "\n neighbor " + neighbor.address.to_string() +
              " peer-group feeders\n";
  config += " address-family ipv4 unicast\n";
  config += spec.route_reflector ? "  neighbor feeders route-reflector-client\n"
                                 : "  neighbor feeders route-map NOTHING out\n";
  config += " exit-address-family\n!\n";
  return config;
}

std::string gobgp_config(const TargetSpec& spec) {
  const std::string self = spec.address.to_string();
  std::string config = "[global.config]\n  as = " + std::to_string(spec.as) + "\n  router-id = \"" +
                       self + "\"\n  port = 179\n  local-address-list = [\"" + self + "\"]\n";
  if (!spec.route_reflector)
    config += "[global.apply-policy.config]\n  default-export-policy = \"reject-route\"\n";
  for (const auto& neighbor : spec.neighbors) {
    config += "\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"" +
              neighbor.address.to_string() + "\"\n    peer-as = " + std::to_string(neighbor.as) +
              "\n  [neighbors.transport.config]\n    passive-mode = true\n";
    if (spec.route_reflector)
      config +=
          "  [neighbors.route-reflector.config]\n    route-reflector-client = true\n"
          "    route-reflector-cluster-id = \"" +
          self + "\"\n";
    config +=
        "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n"
        "      afi-safi-name = \"ipv4-unicast\"\n";
  }
  return config;
}

std::string tabby_config(const TargetSpec& spec) {
  const std::string self = spec.address.to_string();
  std::string config = "local_as: " + std::to_string(spec.as) + "\nrouter_id: " + self +
                       "\nlisten: [" + self + "]\n";
  if (spec.route_reflector) config += "cluster_id: " + self + "\n";
  config += "peers:\n";
  for (std::size_t i = 0; i < spec.neighbors.size(); ++i) {
    config += "  - name: " + peer_name(i) +
              "\n    address: " + spec.neighbors[i].address.to_string() +
              "\n    remote_as: " + std::to_string(spec.neighbors[i].as) +
              "\n    passive: true\n    hold_time: 240\n";
    config += spec.route_reflector ? "    rr_client: true\n" : "    export: reject\n";
  }
  return config;
}

}  // namespace tabby::bench
