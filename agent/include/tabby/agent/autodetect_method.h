#pragma once
// IP_AUTODETECTION_METHOD / IP6_AUTODETECTION_METHOD, parsed into what the detection does
// (calico-node's forms, ../shared/reference/calico-node.md §2.1):
//   first-found (or empty)            the first usable address, Calico's exclusions applied
//   interface=RE[,RE...]              only interfaces whose name matches one regex
//   skip-interface=RE[,RE...]         Calico's exclusions plus these
//   can-reach=DESTINATION             the source address the kernel picks towards DESTINATION
//   cidr=CIDR[,CIDR...]               the first usable address inside one of the CIDRs
//   kubernetes-internal-ip            the Node's InternalIP of the family, found on an interface
// Lists are split on commas with the blanks around them dropped. Regexes are unanchored
// (ECMAScript syntax, which agrees with Go's RE2 on the forms used for interface names).

#include <string>
#include <string_view>
#include <vector>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::agent {

struct AutodetectionMethod {
  enum class Kind {
    kFirstFound,
    kInterface,
    kSkipInterface,
    kCanReach,
    kCidr,
    kKubernetesInternalIp
  };
  Kind kind = Kind::kFirstFound;
  std::vector<std::string> interface_regexes;  // interface= and skip-interface=
  std::vector<IpPrefix> cidrs;                 // cidr=
  std::string destination;                     // can-reach=: an address or a host name

  // The canonical text ("interface=eth0,ens.*").
  std::string to_string() const;

  friend bool operator==(const AutodetectionMethod&, const AutodetectionMethod&) = default;
};

// Parses a method for addresses of `family`. The error names the problem only (the caller
// adds the variable): an unknown method, an empty list, a regex that does not compile, a
// CIDR that does not parse or is of the other family, a can-reach address of the other family.
Result<AutodetectionMethod> parse_autodetection_method(std::string_view text, IpFamily family);

}  // namespace tabby::agent
