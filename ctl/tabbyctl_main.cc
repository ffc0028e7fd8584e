// tabbyctl: calicoctl's verbs for tabby (ctl/src/tabbyctl.cc does the work).

#include <iostream>

#include "tabby/ctl/tabbyctl.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return tabby::ctl::run_tabbyctl(args, std::cin, std::cout, std::cerr,
                                  tabby::api::process_environment());
}
