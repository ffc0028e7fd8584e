#pragma once
// SHA-1, for the names Calico derives from it (cali* interface names, VTEP MACs). Not for
// security: those names only need to be Calico's.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tabby {

std::array<std::uint8_t, 20> sha1(std::string_view data);
std::string sha1_hex(std::string_view data);

}  // namespace tabby
