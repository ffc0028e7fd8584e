#pragma once
// Small text helpers for environment values: blanks trimmed, comma lists split as Calico
// splits them (on `\s*,\s*`, empty items dropped).

#include <string>
#include <string_view>
#include <vector>

namespace tabby::agent {

std::string trim_blanks(std::string_view text);
std::string to_lower(std::string_view text);
std::vector<std::string> split_comma_list(std::string_view text);
std::string join_comma_list(const std::vector<std::string>& items);

}  // namespace tabby::agent
