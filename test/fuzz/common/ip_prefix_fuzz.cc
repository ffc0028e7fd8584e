// Address and CIDR text comes from resources, CNI configs and the environment: whatever the
// bytes, parsing must not crash, and what parses must print back to something that parses
// to the same value.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tabby/common/ip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto address = tabby::IpAddress::parse(text)) {
    auto again = tabby::IpAddress::parse(address->to_string());
    if (!again || *again != *address) std::abort();
  }
  if (auto prefix = tabby::IpPrefix::parse(text)) {
    auto again = tabby::IpPrefix::parse(prefix->to_string());
    if (!again || *again != *prefix || !prefix->contains(prefix->address())) std::abort();
  }
  if (auto prefix = tabby::IpPrefix::parse_interface(text)) {
    if (!tabby::IpPrefix::parse(prefix->to_string())) std::abort();
  }
  return 0;
}
