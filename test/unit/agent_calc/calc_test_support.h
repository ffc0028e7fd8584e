#pragma once
// Building snapshots for the calculation tests from the YAML users write.

#include <gtest/gtest.h>

#include <string>

#include "tabby/agent/calc_inputs.h"
#include "tabby/api/codec.h"

namespace tabby::agent::testing {

inline api::Resource read(const std::string& text) {
  auto resource = api::parse_resource("apiVersion: projectcalico.org/v3\n" + text);
  if (!resource) ADD_FAILURE() << resource.error().message;
  return resource.ok() ? *resource : api::Resource{};
}

// A Node with `bgp` as the body of spec.bgp (flow YAML without braces) and optional labels
// and other spec fields.
inline api::Resource node(const std::string& name, const std::string& bgp,
                          const std::string& labels = "", const std::string& extra_spec = "") {
  std::string spec = bgp.empty() ? "" : "bgp: {" + bgp + "}";
  if (!extra_spec.empty()) spec += (spec.empty() ? "" : ", ") + extra_spec;
  return read("kind: Node\nmetadata: {name: " + name + ", labels: {" + labels + "}}\nspec: {" +
              spec + "}");
}

inline api::Resource pool(const std::string& name, const std::string& spec) {
  return read("kind: IPPool\nmetadata: {name: " + name + "}\nspec: {" + spec + "}");
}

inline api::Resource peer(const std::string& name, const std::string& spec) {
  return read("kind: BGPPeer\nmetadata: {name: " + name + "}\nspec: {" + spec + "}");
}

inline api::Resource bgp_config(const std::string& name, const std::string& spec) {
  return read("kind: BGPConfiguration\nmetadata: {name: " + name + "}\nspec: {" + spec + "}");
}

inline IpPrefix prefix(const std::string& text) {
  return IpPrefix::parse(text).value();
}
inline IpAddress ip(const std::string& text) {
  return IpAddress::parse(text).value();
}

// A block affine to `host` (empty: none) with `used` ordinals allocated to `owner` nodes.
inline api::AllocationBlock block(const std::string& cidr, const std::string& host,
                                  const std::vector<std::pair<int, std::string>>& used = {},
                                  const std::string& type = "") {
  auto out = api::AllocationBlock::empty(
      prefix(cidr), host.empty() ? std::nullopt : std::optional<std::string>("host:" + host));
  for (const auto& [ordinal, owner] : used) {
    api::AllocationAttribute attribute;
    attribute.secondary["node"] = owner;
    if (!type.empty()) attribute.secondary["type"] = type;
    out.attributes.push_back(attribute);
    out.allocations[static_cast<std::size_t>(ordinal)] =
        static_cast<int>(out.attributes.size()) - 1;
  }
  return out;
}

}  // namespace tabby::agent::testing
