#include "tabby/bgp/session_status.h"

#include <numeric>

namespace tabby::bgp {

std::uint64_t MessageCounters::total() const {
  return std::accumulate(by_type.begin(), by_type.end(), std::uint64_t{0});
}

}  // namespace tabby::bgp
