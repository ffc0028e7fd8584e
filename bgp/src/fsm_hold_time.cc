#include "tabby/bgp/fsm_hold_time.h"

#include <algorithm>
#include <memory>
#include <random>

namespace tabby::bgp {

NegotiatedTimers negotiate_hold_time(uint16_t local_hold_seconds, uint16_t local_keepalive_seconds,
                                     uint16_t peer_hold_seconds) {
  const uint16_t hold = std::min(local_hold_seconds, peer_hold_seconds);
  if (hold == 0) return {Duration{0}, Duration{0}};
  const Duration hold_time = std::chrono::seconds(hold);
  // A third of the hold time lets two keepalives be lost before the peer gives up.
  // Whole seconds, as BIRD, FRR and GoBGP count them.
  const Duration third = std::chrono::seconds(std::max(hold / 3, 1));
  Duration keepalive = third;
  if (local_keepalive_seconds != 0) {
    keepalive = std::min<Duration>(std::chrono::seconds(local_keepalive_seconds), third);
  }
  return {hold_time, keepalive};
}

UniformRandom seeded_uniform_random(uint64_t seed) {
  // Shared so that copies of the std::function draw from one sequence.
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

Duration jittered(Duration duration, const UniformRandom& random) {
  if (duration <= Duration{0}) return duration;
  double r = random ? random() : 0.0;
  r = std::clamp(r, 0.0, 1.0);
  const double factor = 0.75 + 0.25 * r;
  const auto scaled = static_cast<Duration::rep>(static_cast<double>(duration.count()) * factor);
  return Duration{std::max<Duration::rep>(scaled, 1)};
}

}  // namespace tabby::bgp
