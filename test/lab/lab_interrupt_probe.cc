// Helper for lab_teardown_test: builds a small lab with a running daemon, prints what it
// made, then waits to be interrupted (mode "wait") or aborts (mode "abort"), so the test can
// check that nothing outlives it.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tabby/lab/daemons.h"
#include "tabby/lab/lab.h"

int main(int argc, char** argv) {
  using namespace tabby::lab;
  if (argc != 2 || (std::strcmp(argv[1], "wait") != 0 && std::strcmp(argv[1], "abort") != 0)) {
    std::fprintf(stderr, "usage: lab_interrupt_probe wait|abort\n");
    return 2;
  }
  Lab lab("probe");
  auto& segment = lab.add_segment("s1");
  auto& n1 = lab.add_node("n1");
  auto& n2 = lab.add_node("n2");
  lab.attach(n1, "eth0", segment, {.address = "10.40.0.1/24"});
  lab.attach(n2, "eth0", segment, {.address = "10.40.0.2/24"});
  lab.start_bird(n1, "bird", "router id 10.40.0.1;\nprotocol device {}\n");

  std::printf("RUN %s\nDIR %s\n", lab.run_id().c_str(), lab.dir().c_str());
  for (const auto& name : lab.namespace_names())
    std::printf("NETNS %s\n", name.c_str());
  std::printf("READY\n");
  std::fflush(stdout);

  if (std::strcmp(argv[1], "abort") == 0) signal(SIGUSR1, [](int) { std::abort(); });
  // Long enough for any test; a probe nobody interrupts still cleans up and fails.
  sleep(120);
  return 3;
}
