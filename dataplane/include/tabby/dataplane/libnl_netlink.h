#pragma once
// The netlink layer for real, through libnl-3. Route writes are packed many to one
// sendmsg and their acknowledgements matched by sequence number, so large route sets
// install at close to the kernel's own rate; notifications arrive on a second socket.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tabby/common/unique_fd.h"
#include "tabby/dataplane/netlink_layer.h"

struct nl_sock;

namespace tabby::dataplane {

class LibnlNetlink final : public NetlinkLayer {
 public:
  // Opens the sockets in the network namespace at `netns_path` (e.g. /run/netns/n1), or in
  // the caller's when empty. Sysctls are read and written in that namespace too.
  static Result<std::unique_ptr<LibnlNetlink>> open(const std::string& netns_path = "");
  ~LibnlNetlink() override;

  Result<std::vector<Route>> dump_routes() override;
  std::vector<Status> apply_routes(std::span<const RouteOp> ops) override;

  Result<std::vector<LinkInfo>> dump_links() override;
  Status add_link(const LinkSpec& spec) override;
  Status delete_link(const std::string& name) override;
  Status set_link_mtu(const std::string& name, std::uint32_t mtu) override;
  Status set_link_up(const std::string& name, bool up) override;

  Result<std::vector<InterfaceAddress>> dump_addresses() override;
  Status add_address(const InterfaceAddress& address) override;
  Status delete_address(const InterfaceAddress& address) override;

  Result<std::vector<Neighbour>> dump_neighbours() override;
  Status set_neighbour(const Neighbour& neighbour) override;
  Status delete_neighbour(const Neighbour& neighbour) override;

  Result<std::string> read_sysctl(const std::string& path) override;
  Status write_sysctl(const std::string& path, const std::string& value) override;

  int event_fd() const override;
  NetlinkEvents read_events() override;

 private:
  struct SocketFree {
    void operator()(nl_sock* sock) const;
  };
  using Socket = std::unique_ptr<nl_sock, SocketFree>;

  LibnlNetlink() = default;
  Status refresh_link_names();
  Result<int> link_index(const std::string& name);
  std::string link_name(int index);
  // Sends ops[begin, end) in one sendmsg and collects their acknowledgements.
  void apply_batch(std::span<const RouteOp> ops, std::size_t begin, std::size_t end,
                   std::vector<Status>& results);

  UniqueFd netns_;  // the namespace to work in; invalid: the caller's
  Socket request_;
  Socket events_;
  std::map<std::string, int> index_by_name_;
  std::map<int, std::string> name_by_index_;
  std::vector<char> event_buffer_;  // read_events' receive buffer
  std::vector<char> reply_buffer_;  // apply_batch's, for the acknowledgements
};

}  // namespace tabby::dataplane
