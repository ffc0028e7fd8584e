#pragma once
// A throwaway etcd for the datastore benchmark: Debian's etcd on two free loopback ports with
// a temporary data directory, started on first use and stopped (by its pid) at exit.

#include <string>

namespace tabby::bench {

// The client URL of the running etcd; empty (with `error` set) if it could not be started.
std::string benchmark_etcd_url(std::string& error);

}  // namespace tabby::bench
