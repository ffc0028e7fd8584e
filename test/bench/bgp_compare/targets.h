#pragma once
// The four BGP implementations the benchmark compares, each started in a lab namespace from
// a TargetSpec (target_configs.h), with the process to measure and a cheap way to ask how
// many prefixes its Loc-RIB holds.

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/lab/lab.h"
#include "target_configs.h"

namespace tabby::bench {

enum class TargetKind { kTabby, kBird, kFrr, kGobgp };

inline constexpr TargetKind kAllTargets[] = {TargetKind::kTabby, TargetKind::kBird,
                                             TargetKind::kFrr, TargetKind::kGobgp};

// "tabby", "BIRD 2", "FRR", "GoBGP" for tables; "tabby", "bird", "frr", "gobgp" for --only.
std::string_view label(TargetKind kind);
std::string_view option_name(TargetKind kind);
std::optional<TargetKind> target_named(std::string_view option);

// "BIRD version 2.0.12", from the installed program (tabby: the bgp-peer binary used).
std::string version_of(TargetKind kind, const std::string& bgp_peer);

class Target {
 public:
  virtual ~Target() = default;
  // The process whose memory and CPU time are measured: bird, bgpd, gobgpd or bgp-peer.
  pid_t pid() const { return pid_; }
  // Prefixes with a best path in the Loc-RIB; nullopt when the daemon did not answer.
  virtual std::optional<std::size_t> loc_rib_prefixes() const = 0;
  // True once the decision process has run for everything counted, judged by the prefix
  // received last. For daemons that select the best path as they count, always.
  virtual bool settled(const IpPrefix& /*last*/) const { return true; }

 protected:
  pid_t pid_ = -1;
};

// Starts the target in `ns` (the Lab stops it) and waits until it answers. Throws LabError.
std::unique_ptr<Target> start_target(TargetKind kind, lab::Lab& lab, const lab::Netns& ns,
                                     const TargetSpec& spec, const std::string& bgp_peer);

}  // namespace tabby::bench
