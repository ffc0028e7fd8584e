#pragma once
// Hold-time negotiation (RFC 4271 sections 4.2 and 10) and the timer jitter of section 10.

#include <cstdint>
#include <functional>

#include "tabby/bgp/fsm_types.h"

namespace tabby::bgp {

struct NegotiatedTimers {
  Duration hold_time;           // zero: neither side expects keepalives
  Duration keepalive_interval;  // zero when hold_time is zero

  bool operator==(const NegotiatedTimers&) const = default;
};

// The smaller of the two hold times; the keepalive interval is the configured one (or a
// third of the hold time when `local_keepalive_seconds` is 0), never more than a third of the
// negotiated hold time and never less than one second. Both hold times must already be
// acceptable (0 or >= 3): check_peer_open refuses 1 and 2.
NegotiatedTimers negotiate_hold_time(uint16_t local_hold_seconds, uint16_t local_keepalive_seconds,
                                     uint16_t peer_hold_seconds);

// A source of uniform numbers in [0, 1). Injected so that tests are deterministic.
using UniformRandom = std::function<double()>;

// A seeded pseudo-random source for production use; the shell seeds it once per process.
UniformRandom seeded_uniform_random(uint64_t seed);

// RFC 4271 section 10: ConnectRetry and Keepalive durations are multiplied by a random factor
// in [0.75, 1.0] so that peers do not synchronise. Never returns less than 1 ms for a
// positive duration.
Duration jittered(Duration duration, const UniformRandom& random);

}  // namespace tabby::bgp
