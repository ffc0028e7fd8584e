// Selectors come from resources users write: parsing must not crash on any bytes, and a
// parsed selector's canonical text must parse to a selector that means the same.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tabby/api/selector.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto selector = tabby::api::Selector::parse(text);
  if (!selector) return 0;
  auto again = tabby::api::Selector::parse(selector->to_string());
  if (!again || again->to_string() != selector->to_string()) std::abort();
  const tabby::api::Labels label_sets[] = {
      {},
      {{"a", "x"}, {"b", "y"}},
      {{"rack", "rack1"}, {"zone", "eu-west-1a"}, {"a", ""}},
  };
  for (const auto& labels : label_sets) {
    if (selector->matches(labels) != again->matches(labels)) std::abort();
  }
  return 0;
}
