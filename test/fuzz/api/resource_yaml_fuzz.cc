// Resource files come from users and from whatever wrote to the datastore: whatever the
// bytes, reading must not crash, and whatever reads as valid must print (YAML, JSON, the
// stored etcd value) to text that reads back to the same resource.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tabby/api/codec.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto resources = tabby::api::parse_resources(text);
  if (!resources) {
    require(!resources.error().message.empty());
    return 0;
  }
  for (const auto& resource : *resources) {
    auto from_yaml = tabby::api::parse_resource(tabby::api::to_yaml(resource));
    require(from_yaml.ok() && *from_yaml == resource);
    auto from_json = tabby::api::parse_resource(tabby::api::to_json_text(resource));
    require(from_json.ok() && *from_json == resource);
    auto stored = tabby::api::decode_stored_value(tabby::api::resource_key(resource),
                                                  tabby::api::encode_stored_value(resource),
                                                  resource.metadata.resource_version);
    require(stored.ok() && *stored == resource);
  }
  if (!resources->empty()) {
    auto list = tabby::api::parse_resources(tabby::api::to_yaml_list(*resources));
    require(list.ok() && *list == *resources);
  }
  return 0;
}
