#pragma once
// projectcalico.org/v3 resources as Calico users write them. A Resource is always valid:
// the only ways to get one are the codecs (codec.h), which validate every field with
// Calico's rules and fill in Calico's defaults. The spec is kept as JSON in Calico's field
// order so that what a user wrote (and what calicoctl wrote to etcd) survives unchanged;
// typed views of the specs the agent reads, with effective defaults, live in views.h.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tabby::api {

using Json = nlohmann::ordered_json;

inline constexpr std::string_view kApiVersion = "projectcalico.org/v3";

enum class Kind : std::uint8_t {
  kIPPool,
  kNode,
  kBGPPeer,
  kBGPConfiguration,
  kBGPFilter,
  kFelixConfiguration,
  kWorkloadEndpoint,
  kIPReservation,
};

struct KindInfo {
  Kind kind;
  std::string_view name;       // "IPPool"
  std::string_view list_name;  // "IPPoolList"
  std::string_view plural;     // "ippools", the etcd key segment
  bool namespaced;
};

const std::vector<KindInfo>& all_kinds();
const KindInfo& kind_info(Kind kind);
// By the kind's name as written in `kind:` ("IPPool"), exactly.
std::optional<Kind> kind_from_name(std::string_view name);

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // namespaced kinds only; "default" when not given
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  // Set by the datastore, never by users on create.
  std::string resource_version;
  std::string uid;
  std::string creation_timestamp;

  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

struct Resource {
  Kind kind = Kind::kIPPool;
  ObjectMeta metadata;
  Json spec = Json::object();
  Json status;  // Node only; null elsewhere

  friend bool operator==(const Resource&, const Resource&) = default;
};

// `IPPool "p1"`, `WorkloadEndpoint "ns1/wep1"`: how messages name a resource.
std::string describe(const Resource& resource);

// The etcdv3 key calico stores the resource under:
//   /calico/resources/v3/projectcalico.org/<plural>/<name>
//   /calico/resources/v3/projectcalico.org/<plural>/<namespace>/<name>   (namespaced kinds)
std::string resource_key(const Resource& resource);
std::string resource_key(Kind kind, std::string_view namespace_, std::string_view name);
// The prefix under which every resource of a kind lives (ends in '/'); for namespaced
// kinds, give a namespace to list only that namespace.
std::string resource_prefix(Kind kind, std::string_view namespace_ = {});

}  // namespace tabby::api
