#pragma once
// The node status the agent serves on its status socket and `tabbyctl node status` prints:
// the model, its JSON form (the wire format between the two), and calicoctl's rendering of it.
//
// The socket protocol is one request line and one JSON reply: the client connects to the Unix
// stream socket (TABBY_STATUS_SOCKET, default /var/run/tabby/status.sock), writes
// kStatusRequest, and reads the reply until the server closes the connection.

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/common/result.h"

namespace tabby::api {

inline constexpr std::string_view kDefaultStatusSocket = "/var/run/tabby/status.sock";
inline constexpr std::string_view kStatusSocketVariable = "TABBY_STATUS_SOCKET";
inline constexpr std::string_view kStatusRequest = "status\n";

// Where the peer comes from, as calicoctl names it in PEER TYPE.
enum class PeerType { kNodeMesh, kGlobal, kNodeSpecific };
std::string_view peer_type_text(PeerType type);  // "node-to-node mesh", "global", "node specific"
Result<PeerType> parse_peer_type(std::string_view text);

// One BGP session, in the columns BIRD's `show protocols` gives calicoctl.
struct BgpPeerStatus {
  std::string address;  // the peer's address (with ":port" when not 179)
  PeerType type = PeerType::kNodeMesh;
  std::string state;  // BIRD's protocol state: "up", "start", "down", ...
  std::string since;  // BIRD's since column: "HH:MM:SS", or "YYYY-MM-DD" after 20 h
  std::string info;   // "Established", "Active Socket: Connection refused", ...
  std::uint64_t prefixes_received = 0;
  std::uint64_t prefixes_advertised = 0;
  // Why a peer that is not up is not, as `birdc show protocols all` tells it; empty when
  // nothing happened yet. Times as `since` shows them.
  std::string last_connect_error;  // "connect: Connection refused"
  std::string last_connect_error_at;
  std::string last_reset;  // "hold timer expired, sent Hold Timer Expired (4/0)"
  std::string last_reset_at;
  std::string last_attempt;  // when we last connected out or took the peer's connection
  std::uint64_t connections_refused = 0;  // incoming connections from the peer not taken
  std::string last_refusal;               // "session already Established"

  bool operator==(const BgpPeerStatus&) const = default;
};

struct NodeStatus {
  std::string node_name;
  // False when the agent runs without a BGP speaker (CALICO_NETWORKING_BACKEND vxlan or none).
  bool bgp_running = true;
  std::vector<BgpPeerStatus> ipv4_peers;
  std::vector<BgpPeerStatus> ipv6_peers;

  bool operator==(const NodeStatus&) const = default;
};

std::string node_status_to_json(const NodeStatus& status);
// Errors name the field and what is wrong with it.
Result<NodeStatus> node_status_from_json(std::string_view text);

// What `calicoctl node status` prints for a running node, byte for byte, followed, for each
// peer that is not up and has a story, by why it is not (last connect error, last reset, last
// attempt, refused connections).
std::string render_node_status(const NodeStatus& status);
inline constexpr std::string_view kNotRunningMessage = "Calico process is not running.\n";

// The bordered table calicoctl (Go's tablewriter) prints: headers centred, cells left-aligned,
// each column as wide as its widest entry. Every row has headers.size() cells.
std::string render_bordered_table(const std::vector<std::string>& headers,
                                  const std::vector<std::vector<std::string>>& rows);

// BIRD's columns from the BGP speaker's view of a session. `bgp_state` is the RFC 4271 state
// name ("Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"); `last_error`
// is BIRD's error text ("Socket: Connection refused") or empty.
std::string bird_protocol_state(std::string_view bgp_state, bool admin_down);
std::string bird_info(std::string_view bgp_state, std::string_view last_error);
// BIRD's since column in local time: the time of day when `since` is less than 20 hours
// before `now`, the date otherwise.
std::string bird_since(std::time_t since, std::time_t now);

}  // namespace tabby::api
