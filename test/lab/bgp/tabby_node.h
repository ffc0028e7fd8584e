#pragma once
// A tabby BGP node for lab tests of the session shell: sessions and listeners running on an
// NsLoop inside a lab namespace, with incoming connections matched to sessions the way the
// Speaker does it (session_match.h). Every method waits for the loop thread.

#include <memory>
#include <vector>

#include "ns_loop.h"
#include "tabby/bgp/asio_address.h"
#include "tabby/bgp/listener.h"
#include "tabby/bgp/session.h"
#include "tabby/bgp/session_match.h"

namespace tabby::lab {

class TabbyNode {
 public:
  struct Record : bgp::SessionHandler {
    int established = 0;
    int down = 0;
    std::optional<bgp::DownInfo> last_down;
    std::vector<bgp::UpdateMessage> updates;
    void on_established(bgp::Session&, const bgp::EstablishedInfo&) override { ++established; }
    void on_update(bgp::Session&, const bgp::UpdateMessage& u, bgp::UpdateVerdict) override {
      updates.push_back(u);
    }
    void on_route_refresh(bgp::Session&, const bgp::RouteRefreshMessage&) override {}
    void on_down(bgp::Session&, const bgp::DownInfo& d) override {
      ++down;
      last_down = d;
    }
  };

  explicit TabbyNode(const Netns& ns) : loop_(ns) {}
  ~TabbyNode() {
    loop_.call([this] {
      for (auto& s : sessions_)
        s->stop();
      for (auto& l : listeners_)
        l->close();
      return 0;
    });
    // Let the NOTIFICATIONs go out, then destroy everything on the loop's thread.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    loop_.call([this] {
      sessions_.clear();
      listeners_.clear();
      return 0;
    });
    loop_.stop();
  }

  void listen(const char* address, std::uint16_t port = bgp::kBgpPort) {
    loop_.call([&] {
      auto listener =
          bgp::Listener::open(loop_.io(), IpAddress::parse(address).value(), port,
                              [this](boost::asio::ip::tcp::socket s) { incoming(std::move(s)); });
      if (!listener) throw LabError(listener.error().message);
      for (const auto& s : sessions_)
        if (!s->config().password.empty())
          (void)(*listener)->set_md5(s->config().peer_address, s->config().password);
      listeners_.push_back(*listener);
      return 0;
    });
  }

  // Adds and starts a session; returns its index.
  std::size_t add(const bgp::SessionConfig& config) {
    return loop_.call([&] {
      records_.push_back(std::make_unique<Record>());
      auto session = bgp::Session::create(loop_.io(), config, *records_.back());
      if (!session) throw LabError(session.error().message);
      if (!config.password.empty())
        for (auto& l : listeners_) {
          auto md5 = l->set_md5(config.peer_address, config.password);
          if (!md5) throw LabError(md5.error().message);
        }
      sessions_.push_back(*session);
      sessions_.back()->start();
      return sessions_.size() - 1;
    });
  }

  bgp::State state(std::size_t i) {
    return loop_.call([&] { return sessions_.at(i)->state(); });
  }
  bgp::SessionStatus status(std::size_t i) {
    return loop_.call([&] { return sessions_.at(i)->status(); });
  }
  Record record(std::size_t i) {
    return loop_.call([&] { return *records_.at(i); });
  }
  bool established(std::size_t i) { return state(i) == bgp::State::kEstablished; }
  // Polls until the session is Established (or the time is up).
  bool wait_established(std::size_t i, std::chrono::milliseconds timeout = 30s) {
    return eventually([&] { return established(i); }, timeout);
  }
  Status send_update(std::size_t i, const bgp::UpdateMessage& update) {
    return loop_.call([&] { return sessions_.at(i)->send_update(update); });
  }

 private:
  void incoming(boost::asio::ip::tcp::socket socket) {
    boost::system::error_code ec;
    const auto local = socket.local_endpoint(ec);
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return;
    const bgp::IncomingConnection connection{bgp::from_asio(remote.address()),
                                             bgp::from_asio(local.address()), local.port()};
    std::vector<const bgp::SessionConfig*> configs;
    for (const auto& s : sessions_)
      configs.push_back(&s->config());
    if (auto match = bgp::match_incoming(configs, connection))
      sessions_[*match]->accept(std::move(socket));
  }

  NsLoop loop_;
  std::vector<std::shared_ptr<bgp::Listener>> listeners_;
  std::vector<std::shared_ptr<bgp::Session>> sessions_;
  std::vector<std::unique_ptr<Record>> records_;
};

}  // namespace tabby::lab
