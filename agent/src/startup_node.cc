// Steps 4-11 of calico-node's start-up (calico-node.md §1.3): wait for the datastore, then
// work out and store this node's Node resource.

#include <algorithm>
#include <thread>

#include "tabby/agent/startup.h"
#include "tabby/api/codec.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/views.h"
#include "tabby/common/log.h"

namespace tabby::agent {
namespace {

using api::Json;
using api::Kind;
using api::Resource;

const char* family_name(IpFamily family) {
  return family == IpFamily::kV4 ? "IPv4" : "IPv6";
}
const char* address_field(IpFamily family) {
  return family == IpFamily::kV4 ? "ipv4Address" : "ipv6Address";
}

std::string stored_address(const Resource& node, IpFamily family) {
  const Json& bgp = node.spec.contains("bgp") ? node.spec["bgp"] : Json();
  if (!bgp.is_object() || !bgp.contains(address_field(family))) return {};
  return bgp[address_field(family)].get<std::string>();
}

void set_stored_address(Resource& node, IpFamily family, const std::string& value) {
  if (value.empty()) {
    if (!node.spec.contains("bgp")) return;
    node.spec["bgp"].erase(address_field(family));
    // Calico's validation wants a non-empty bgp section or none at all.
    if (node.spec["bgp"].empty()) node.spec.erase("bgp");
  } else {
    node.spec["bgp"][address_field(family)] = value;
  }
}

std::string interface_form(const IpAddress& address, int prefix_length) {
  return address.to_string() + "/" + std::to_string(prefix_length);
}

// §1.3.1 for one family: the value to store ("" for none).
// `node_addresses` is the stored Node's spec.addresses, for kubernetes-internal-ip.
Result<std::string> choose_address(const AddressSetting& setting, IpFamily family,
                                   const std::string& current,
                                   const std::vector<NodeAddress>& node_addresses,
                                   const StartupHost& host) {
  using Mode = AddressSetting::Mode;
  // IPv4 is autodetected also when IP is unset and the node has none; IPv6 only on request.
  const bool detect = setting.mode == Mode::kAutodetect ||
                      (family == IpFamily::kV4 && setting.mode == Mode::kUnset && current.empty());
  if (detect) {
    Result<DetectedAddress> detected = host.autodetect ? host.autodetect(family, node_addresses)
                                                       : Error{"no autodetection available"};
    if (detected) return detected->to_string();
    if (current.empty()) {
      return Error{std::string("failed to autodetect an ") + family_name(family) +
                   " address: " + detected.error().message};
    }
    spdlog::warn("failed to autodetect an {} address ({}); keeping {}", family_name(family),
                 detected.error().message, current);
    return current;
  }
  if (setting.mode != Mode::kExplicit) return current;  // unset or none: what is stored stays
  const auto local = find_local_address(setting.address, host.all_interfaces);
  if (setting.prefix_length) return interface_form(setting.address, *setting.prefix_length);
  if (family == IpFamily::kV6) return interface_form(setting.address, 128);
  // An IPv4 address without /len takes the prefix length of the interface holding it; when
  // none does, Calico stores it as a host route and warns.
  if (local) return local->to_string();
  spdlog::warn("IPv4 address {} is not on any interface of this host: storing it as /32",
               setting.address.to_string());
  return interface_form(setting.address, 32);
}

std::string host_part(const std::string& stored) {
  const auto slash = stored.find('/');
  return stored.substr(0, slash);
}

// §1.3.2: another node with the same host address is a configuration error.
Result<std::optional<AddressConflict>> find_address_conflict(api::ResourceStore& store,
                                                             const Resource& node) {
  auto nodes = store.list(Kind::kNode);
  if (!nodes)
    return Error{"listing Nodes for the address conflict check: " + nodes.error().message};
  for (const Resource& other : nodes->items) {
    if (other.metadata.name == node.metadata.name) continue;
    for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
      const std::string mine = host_part(stored_address(node, family));
      if (!mine.empty() && mine == host_part(stored_address(other, family))) {
        return std::optional<AddressConflict>(
            AddressConflict{.family = family, .address = mine, .other_node = other.metadata.name});
      }
    }
  }
  return std::optional<AddressConflict>();
}

Error conflict_error(const AddressConflict& conflict) {
  return Error{std::string(family_name(conflict.family)) + " address conflict: node \"" +
               conflict.other_node + "\" already uses " + conflict.address};
}

Json interfaces_json(const StartupHost& host, bool want_v4, bool want_v6) {
  std::vector<HostInterface> interfaces = host.node_interfaces;
  std::sort(interfaces.begin(), interfaces.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  Json out = Json::array();
  for (const HostInterface& interface : interfaces) {
    Json addresses = Json::array();
    for (const HostAddress& address : interface.addresses) {
      if ((address.address.is_v4() && want_v4) || (address.address.is_v6() && want_v6)) {
        addresses.push_back(address.address.to_string());
      }
    }
    if (addresses.empty()) continue;
    out.push_back(Json{{"name", interface.name}, {"addresses", addresses}});
  }
  return out;
}

bool sets_address(const AddressSetting& setting) {
  return setting.mode == AddressSetting::Mode::kAutodetect ||
         setting.mode == AddressSetting::Mode::kExplicit;
}

Result<Resource> store_node(api::ResourceStore& store, const Resource& node, bool exists) {
  auto validated = api::resource_from_json(api::to_json(node));
  if (!validated) return Error{"the Node to store is invalid: " + validated.error().message};
  Resource to_write = *validated;
  to_write.metadata = node.metadata;
  auto written = exists ? store.update(to_write) : store.create(to_write);
  if (!written) {
    return Error{std::string(exists ? "updating" : "creating") + " Node \"" + node.metadata.name +
                 "\": " + written.error().message};
  }
  return *written;
}

}  // namespace

Status wait_for_datastore(api::Datastore& datastore, const std::string& node_name,
                          const StartupHost& host, int attempts) {
  api::ResourceStore store(datastore);
  for (int attempt = 1;; ++attempt) {
    auto node = store.get(Kind::kNode, "", node_name);
    if (node || !node.is(api::DatastoreErrorKind::Unavailable)) return {};
    if (attempts > 0 && attempt >= attempts) {
      return Error{"datastore " + datastore.describe() +
                   " is unavailable: " + node.error().message};
    }
    spdlog::info("waiting for the datastore ({}): {}", datastore.describe(), node.error().message);
    if (host.sleep) {
      host.sleep(std::chrono::seconds(1));
    } else {
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

Result<Resource> configure_node(api::Datastore& datastore, const StartupSettings& settings,
                                const StartupHost& host,
                                std::optional<AddressConflict>* conflict_found) {
  api::ResourceStore store(datastore);
  Resource node{.kind = Kind::kNode};
  node.metadata.name = settings.node_name;
  bool exists = false;
  if (auto stored = store.get(Kind::kNode, "", settings.node_name)) {
    node = *stored;
    exists = true;
  } else if (!stored.is(api::DatastoreErrorKind::NotFound)) {
    return Error{"reading Node \"" + settings.node_name + "\": " + stored.error().message};
  }
  const Json original_spec = node.spec;

  if (settings.backend != NetworkingBackend::kNone) {
    const std::string old_v4 = stored_address(node, IpFamily::kV4);
    const std::string old_v6 = stored_address(node, IpFamily::kV6);
    const std::vector<NodeAddress> node_addresses = node_resource_addresses(node);
    Result<std::string> v4 =
        choose_address(settings.ipv4, IpFamily::kV4, old_v4, node_addresses, host);
    Result<std::string> v6 =
        v4 ? choose_address(settings.ipv6, IpFamily::kV6, old_v6, node_addresses, host)
           : Result<std::string>(std::string());
    if (!v4) return v4.error();
    if (!v6) return v6.error();
    set_stored_address(node, IpFamily::kV4, *v4);
    set_stored_address(node, IpFamily::kV6, *v6);
    if (v4->empty() && v6->empty()) {
      return Error{"no IPv4 or IPv6 addresses configured or detected"};
    }
    const bool want_v4 = sets_address(settings.ipv4);
    const bool want_v6 = sets_address(settings.ipv6);
    if (want_v4 || want_v6) node.spec["interfaces"] = interfaces_json(host, want_v4, want_v6);
    if (node.spec.contains("interfaces") && node.spec["interfaces"].empty())
      node.spec.erase("interfaces");

    const bool addresses_changed =
        *v4 != old_v4 || *v6 != old_v6 ||
        original_spec.value("interfaces", Json()) != node.spec.value("interfaces", Json());
    if (addresses_changed && !settings.disable_node_ip_check) {
      auto conflict = find_address_conflict(store, node);
      if (!conflict) return conflict.error();
      if (*conflict) {
        // As in Calico, an autodetected address that clashes is first cleared from our own
        // Node, so nothing keeps advertising it, and then the agent stops.
        Resource stale = node;
        stale.spec = original_spec;
        if (settings.ipv4.mode == AddressSetting::Mode::kAutodetect)
          set_stored_address(stale, IpFamily::kV4, "");
        if (settings.ipv6.mode == AddressSetting::Mode::kAutodetect)
          set_stored_address(stale, IpFamily::kV6, "");
        if (exists && stale.spec != original_spec) (void)store_node(store, stale, true);
        if (conflict_found) *conflict_found = **conflict;
        return conflict_error(**conflict);
      }
    }
  }
  if (settings.as_number) node.spec["bgp"]["asNumber"] = *settings.as_number;
  // Calico's validation wants a non-empty bgp section or none at all.
  if (node.spec.contains("bgp") && (node.spec["bgp"].is_null() || node.spec["bgp"].empty()))
    node.spec.erase("bgp");

  if (exists && node.spec == original_spec) return node;
  return store_node(store, node, exists);
}

AddressRedetection redetect_node_address(api::Datastore& datastore, const StartupSettings& settings,
                                         const StartupHost& host) {
  std::optional<AddressConflict> conflict;
  auto node = configure_node(datastore, settings, host, &conflict);
  if (node) return {};
  if (!conflict) return {.stop = false, .message = "address re-detection: " + node.error().message};
  return {.stop = true,
          .message = "address re-detection: this node's new " +
                     std::string(family_name(conflict->family)) + " address " + conflict->address +
                     " is already used by node \"" + conflict->other_node +
                     "\": stopping, as calico-node does (set an autodetection method that finds "
                     "this node's own address, or DISABLE_NODE_IP_CHECK=true)"};
}

}  // namespace tabby::agent
