#pragma once
// tabby-node running: calico-node's start-up, then one event loop that keeps this node's BGP
// speaker and kernel in line with the datastore (confd + BIRD + Felix's routing), with the
// health, metrics and status endpoints. See docs/agent.md.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "tabby/agent/bgp_port.h"
#include "tabby/agent/config.h"
#include "tabby/common/result.h"

namespace tabby::agent {

// Makes the BGP speaker on the agent's loop (the BIRD backend only).
using BgpPortFactory = std::function<std::unique_ptr<BgpPort>(boost::asio::io_context&)>;

// Runs until SIGTERM or SIGINT. Returns an error (the agent exits 1) when start-up fails.
Status run_node_agent(const AgentConfig& config, const BgpPortFactory& make_bgp);

}  // namespace tabby::agent
