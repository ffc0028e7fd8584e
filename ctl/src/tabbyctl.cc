#include "tabby/ctl/tabbyctl.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "client_config.h"
#include "edit_commands.h"
#include "ipam_commands.h"
#include "node_status_command.h"
#include "resource_table.h"
#include "tabby/api/codec.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/selector.h"
#include "tabby/common/command_line.h"
#include "tabby/common/version.h"
#include "tabby/ipam/cascading_delete.h"

namespace tabby::ctl {
namespace {

using api::Kind;
using api::Resource;

// Thrown inside a command to end it with one line on stderr and exit status 1.
struct Failure {
  std::string message;
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// calicoctl's names for kinds: the kind itself, its plural, and the short aliases.
std::optional<Kind> kind_from_argument(std::string_view argument) {
  static const std::map<std::string, Kind> kAliases = {
      {"ipp", Kind::kIPPool},
      {"pool", Kind::kIPPool},
      {"pools", Kind::kIPPool},
      {"bgpconfig", Kind::kBGPConfiguration},
      {"bgpconfigs", Kind::kBGPConfiguration},
      {"bgpf", Kind::kBGPFilter},
      {"bf", Kind::kBGPFilter},
      {"no", Kind::kNode},
      {"felixconfig", Kind::kFelixConfiguration},
      {"felixconfigs", Kind::kFelixConfiguration},
      {"wep", Kind::kWorkloadEndpoint},
      {"weps", Kind::kWorkloadEndpoint},
  };
  const std::string name = lower(argument);
  if (auto it = kAliases.find(name); it != kAliases.end()) return it->second;
  for (const auto& info : api::all_kinds()) {
    const std::string kind = lower(info.name);
    if (name == kind || name == kind + "s" || name == info.plural) return info.kind;
  }
  return std::nullopt;
}

// The text of -f's input: standard input ("-"), a file, or every .yaml, .yml and .json file of
// a directory, in name order, joined as documents. A file that holds no resource is an error
// naming it, as in calicoctl, unless `skip_empty`.
std::string read_input(const std::string& filename, std::istream& in, bool skip_empty) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> inputs;  // name, text
  std::error_code ec;
  const bool directory = filename != "-" && fs::is_directory(filename, ec);
  if (filename == "-") {
    std::stringstream text;
    text << in.rdbuf();
    inputs.emplace_back("-", text.str());
  } else {
    std::vector<fs::path> files;
    if (directory) {
      for (const auto& entry : fs::directory_iterator(filename, ec)) {
        const auto ext = entry.path().extension();
        if (ext == ".yaml" || ext == ".yml" || ext == ".json") files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(filename);
    }
    for (const auto& file : files) {
      std::ifstream stream(file);
      if (!stream)
        throw Failure{fmt::format("failed to read {}: {}", file.string(), std::strerror(errno))};
      std::stringstream content;
      content << stream.rdbuf();
      inputs.emplace_back(file.string(), content.str());
    }
  }
  if (directory && inputs.empty() && !skip_empty)
    throw Failure{fmt::format("no resources specified in directory {}", filename)};
  std::string text;
  for (const auto& [name, content] : inputs) {
    auto parsed = api::parse_resources(content);
    if (parsed && parsed->empty()) {
      if (!skip_empty) {
        throw Failure{name == "-" ? std::string("no resources specified on standard input")
                                  : fmt::format("no resources specified in file {}", name)};
      }
      continue;
    }
    if (!text.empty()) text += "\n---\n";
    text += content;
  }
  return text;
}

// "'IPPool' " when every resource has the same kind, else "".
std::string kind_phrase(const std::vector<Resource>& resources) {
  for (const auto& r : resources) {
    if (r.kind != resources.front().kind) return "";
  }
  return resources.empty() ? "" : fmt::format("'{}' ", api::kind_info(resources.front().kind).name);
}

struct Context {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  std::unique_ptr<api::Datastore> datastore;
};

enum class Verb { kCreate, kApply, kReplace, kDelete };

const char* past_tense(Verb verb) {
  switch (verb) {
    case Verb::kCreate:
      return "created";
    case Verb::kApply:
      return "applied";
    case Verb::kReplace:
      return "replaced";
    case Verb::kDelete:
      return "deleted";
  }
  return "";
}

const char* infinitive(Verb verb) {
  switch (verb) {
    case Verb::kCreate:
      return "create";
    case Verb::kApply:
      return "apply";
    case Verb::kReplace:
      return "replace";
    case Verb::kDelete:
      return "delete";
  }
  return "";
}

void write_resources(Context& context, Verb verb, const std::vector<Resource>& resources,
                     bool skip_existing) {
  if (resources.empty()) throw Failure{"No resources specified"};
  api::ResourceStore store(*context.datastore);
  std::size_t done = 0;
  for (const auto& resource : resources) {
    api::DatastoreResult<Resource> result = [&]() -> api::DatastoreResult<Resource> {
      switch (verb) {
        case Verb::kCreate:
          return store.create(resource);
        case Verb::kApply:
          return store.apply(resource);
        case Verb::kReplace:
          return store.update(resource);
        case Verb::kDelete:
          // As Calico's client: a pool and a node take what hangs off them with them.
          if (resource.kind == Kind::kIPPool) {
            return ipam::delete_ip_pool(*context.datastore, resource.metadata.name,
                                        resource.metadata.resource_version);
          }
          if (resource.kind == Kind::kNode) {
            return ipam::delete_node(*context.datastore, resource.metadata.name,
                                     resource.metadata.resource_version);
          }
          return store.remove(resource.kind, resource.metadata.namespace_, resource.metadata.name,
                              resource.metadata.resource_version);
      }
      return api::DatastoreError{};
    }();
    const bool skipped = skip_existing && (result.is(api::DatastoreErrorKind::AlreadyExists) ||
                                           result.is(api::DatastoreErrorKind::NotFound));
    if (!result && !skipped) {
      if (done == 0) {
        throw Failure{fmt::format("Failed to {} {}resource: [{}]", infinitive(verb),
                                  kind_phrase({resource}), result.error().message)};
      }
      throw Failure{
          fmt::format("Partial success: {} the first {} out of {} {}resources:\nhit error: {}",
                      past_tense(verb), done, resources.size(), kind_phrase(resources),
                      result.error().message)};
    }
    ++done;
  }
  context.out << fmt::format("Successfully {} {} {}resource(s)\n", past_tense(verb), done,
                             kind_phrase(resources));
}

std::vector<Resource> parse_input(Context& context, const std::string& filename,
                                  bool skip_empty = false) {
  auto resources = api::parse_resources(read_input(filename, context.in, skip_empty));
  if (!resources) throw Failure{resources.error().message};
  return std::move(resources).value();
}

void get(Context& context, const std::string& kind_argument, const std::vector<std::string>& names,
         const std::string& output, const std::string& selector_text, std::string namespace_,
         bool all_namespaces) {
  const auto kind = kind_from_argument(kind_argument);
  if (!kind) throw Failure{fmt::format("resource type '{}' is not supported", kind_argument)};
  const bool namespaced = api::kind_info(*kind).namespaced;
  if (namespaced && namespace_.empty() && !all_namespaces) namespace_ = "default";
  if (!namespaced || all_namespaces) namespace_.clear();
  std::optional<api::Selector> selector;
  if (!selector_text.empty()) {
    auto parsed = api::Selector::parse(selector_text);
    if (!parsed) throw Failure{parsed.error().message};
    selector = std::move(*parsed);
  }
  static const std::set<std::string> kOutputs = {"ps", "wide", "yaml", "json", "name"};
  constexpr std::string_view kCustomColumns = "custom-columns=";
  std::optional<std::vector<std::string>> columns;
  if (std::string_view(output).starts_with(kCustomColumns)) {
    columns.emplace();
    std::istringstream list(output.substr(kCustomColumns.size()));
    for (std::string column; std::getline(list, column, ',');) {
      if (!column.empty()) columns->push_back(column);
    }
  } else if (!kOutputs.contains(output)) {
    throw Failure{fmt::format(
        "unrecognized output format '{}' (use ps, wide, yaml, json, name or custom-columns=A,B)",
        output)};
  }

  api::ResourceStore store(*context.datastore);
  std::vector<Resource> items;
  std::string list_version;
  if (names.empty()) {
    auto list = store.list(*kind, namespace_);
    if (!list) throw Failure{"failed to get resources: " + list.error().message};
    items = std::move(list->items);
    list_version = std::to_string(list->revision);
  } else {
    for (const auto& name : names) {
      auto resource = store.get(*kind, namespace_.empty() ? "default" : namespace_, name);
      if (!resource) throw Failure{resource.error().message};
      items.push_back(std::move(*resource));
    }
  }
  if (selector) {
    std::erase_if(items, [&](const Resource& r) { return !selector->matches(r.metadata.labels); });
  }

  const bool single = names.size() == 1 && items.size() == 1;
  if (output == "yaml") {
    context.out << (single ? api::to_yaml(items.front()) : api::to_yaml_list(items, list_version));
  } else if (output == "json") {
    context.out << (single ? api::to_json_text(items.front())
                           : api::to_json_list_text(items, list_version));
  } else if (output == "name") {
    for (const auto& r : items) {
      context.out << lower(api::kind_info(r.kind).name) << "/"
                  << (namespaced ? r.metadata.namespace_ + "/" : "") << r.metadata.name << "\n";
    }
  } else if (columns) {
    auto table = resource_columns_table(*kind, items, *columns);
    if (!table) throw Failure{table.error().message};
    context.out << *table;
  } else {
    context.out << resource_table(items, output == "wide");
  }
}

// The resource KIND NAME names; a namespaced kind's namespace defaults to "default".
ResourceRef resource_ref(const std::string& kind_argument, const std::string& name,
                         const std::string& namespace_) {
  const auto kind = kind_from_argument(kind_argument);
  if (!kind) throw Failure{fmt::format("resource type '{}' is not supported", kind_argument)};
  const bool namespaced = api::kind_info(*kind).namespaced;
  return ResourceRef{*kind, namespaced ? (namespace_.empty() ? "default" : namespace_) : "", name,
                     kind_argument + " " + name};
}

// Overrides the environment with the global datastore flags.
api::EnvLookup with_flags(const api::EnvLookup& env, std::map<std::string, std::string> flags) {
  return [env, flags = std::move(flags)](std::string_view name) -> std::optional<std::string> {
    if (auto it = flags.find(std::string(name)); it != flags.end() && !it->second.empty()) {
      return it->second;
    }
    return env(name);
  };
}

}  // namespace

int run_tabbyctl(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                 std::ostream& err, const api::EnvLookup& env) {
  CLI::App app{"tabbyctl: manage tabby's projectcalico.org/v3 resources (calicoctl's verbs)",
               "tabbyctl"};
  app.require_subcommand(1);
  std::string datastore_type, datastore_path, etcd_endpoints;
  app.add_option("--datastore-type", datastore_type, "sqlite or etcdv3 (env DATASTORE_TYPE)");
  app.add_option("--datastore-path", datastore_path, "SQLite file (env TABBY_DATASTORE_PATH)");
  app.add_option("--etcd-endpoints", etcd_endpoints, "etcd URLs (env ETCD_ENDPOINTS)");
  std::string config_file;
  app.add_option("-c,--config", config_file,
                 std::string("calicoctl's client configuration file, used instead of the "
                             "environment (default ") +
                     kDefaultClientConfig + " when it exists)");

  std::string filename;
  bool skip_exists = false, skip_not_exists = false, skip_empty = false;
  auto* create = app.add_subcommand("create", "Create resources from a file");
  create->add_option("-f,--filename", filename, "file, directory, or - for stdin")->required();
  create->add_flag("--skip-empty", skip_empty, "Do not fail on files that hold no resource");
  create->add_flag("--skip-exists", skip_exists, "Do not fail on resources that exist");
  auto* apply = app.add_subcommand("apply", "Create or update resources from a file");
  apply->add_option("-f,--filename", filename, "file, directory, or - for stdin")->required();
  apply->add_flag("--skip-empty", skip_empty, "Do not fail on files that hold no resource");
  auto* replace = app.add_subcommand("replace", "Replace existing resources from a file");
  replace->add_option("-f,--filename", filename, "file, directory, or - for stdin")->required();
  replace->add_flag("--skip-empty", skip_empty, "Do not fail on files that hold no resource");
  auto* remove = app.add_subcommand("delete", "Delete resources (from a file, or KIND NAME...)");
  std::vector<std::string> delete_args;
  remove->add_option("-f,--filename", filename, "file, directory, or - for stdin");
  remove->add_flag("--skip-empty", skip_empty, "Do not fail on files that hold no resource");
  remove->add_option("resource", delete_args, "KIND NAME...");
  remove->add_flag("--skip-not-exists", skip_not_exists, "Do not fail on missing resources");

  auto* get_command = app.add_subcommand("get", "Show resources");
  std::string kind_argument, output = "ps", selector, namespace_;
  std::vector<std::string> names;
  bool all_namespaces = false;
  get_command->add_option("kind", kind_argument, "resource kind (ippool, bgppeer, node, ...)")
      ->required();
  get_command->add_option("names", names, "resource names");
  get_command->add_option("-o,--output", output,
                          "ps (default), wide, yaml, json, name or custom-columns=NAME,CIDR,...");
  get_command->add_option("-l,--selector", selector, "label selector, e.g. \"rack == 'r1'\"");
  get_command->add_option("-n,--namespace", namespace_, "namespace of namespaced kinds");
  get_command->add_flag("-A,--all-namespaces", all_namespaces, "every namespace");

  auto* patch = app.add_subcommand("patch", "Patch one resource in place (calicoctl patch)");
  std::vector<std::string> patch_target;
  std::string patch_text, patch_type = "strategic";
  patch->add_option("resource", patch_target, "KIND NAME")->required()->expected(2);
  patch->add_option("-p,--patch", patch_text, "the patch, JSON")->required();
  patch->add_option("-t,--type", patch_type,
                    "strategic (default: a merge patch with $patch directives), merge (RFC "
                    "7386) or json (RFC 6902)");
  patch->add_option("-n,--namespace", namespace_, "namespace of namespaced kinds");
  auto* label_command_line =
      app.add_subcommand("label", "Set or remove one label (calicoctl label)");
  std::vector<std::string> label_args;
  bool overwrite = false, remove_label = false;
  label_command_line
      ->add_option("resource", label_args, "KIND NAME key=value, or KIND NAME key --remove")
      ->required()
      ->expected(3);
  label_command_line->add_flag("--overwrite", overwrite,
                               "replace the value of a key that is present");
  label_command_line->add_flag("--remove", remove_label, "remove the key (it must be present)");
  label_command_line->add_option("-n,--namespace", namespace_, "namespace of namespaced kinds");

  auto* version = app.add_subcommand("version", "Show the version");
  auto* ipam =
      app.add_subcommand("ipam", "IP address management (show, configure, check, split, release)");
  ipam->require_subcommand(1);
  IpamShowOptions show_options;
  std::string ip;
  auto* ipam_show_command = ipam->add_subcommand(
      "show", "Usage per pool (and block), who holds an IP, borrowed IPs, the configuration");
  ipam_show_command->add_flag("--show-blocks", show_options.show_blocks, "also one row per block");
  ipam_show_command->add_flag("--show-borrowed", show_options.show_borrowed,
                              "the IPs nodes borrowed from blocks they do not own");
  ipam_show_command->add_flag("--show-configuration", show_options.show_configuration,
                              "the IPAM configuration (strict affinity, block limits)");
  ipam_show_command->add_option("--ip", ip, "show who holds this address");
  IpamConfigureOptions configure_options;
  auto* ipam_configure_command =
      ipam->add_subcommand("configure", "Change the IPAM configuration (calicoctl ipam configure)");
  ipam_configure_command->add_option("--strictaffinity", configure_options.strict_affinity,
                                     "true or false: nodes use only blocks of their own");
  ipam_configure_command->add_option("--max-blocks-per-host", configure_options.max_blocks_per_host,
                                     "blocks a node may claim (0: no limit)");
  auto* ipam_check_command = ipam->add_subcommand("check", "Look for leaks and inconsistencies");
  IpamCheckOptions check_options;
  ipam_check_command->add_flag("--show-problem-ips", check_options.show_problem_ips,
                               "one line per problem found");
  ipam_check_command->add_flag("--show-all-ips", check_options.show_all_ips,
                               "every allocation and its owner too");
  ipam_check_command->add_option("-o,--output", check_options.report_file,
                                 "write the JSON report `ipam release --from-report` reads");
  auto* ipam_split_command =
      ipam->add_subcommand("split", "Split an IP pool into 2, 4, 8, ... smaller ones");
  int split_parts = 0;
  std::string split_name, split_cidr;
  ipam_split_command->add_option("number", split_parts, "how many pools (a power of 2)")
      ->required();
  ipam_split_command->add_option("--name", split_name, "the pool to split");
  ipam_split_command->add_option("--cidr", split_cidr, "the pool to split, by its CIDR");
  auto* ipam_release_command = ipam->add_subcommand("release", "Release an address");
  std::vector<std::string> reports;
  ipam_release_command->add_option("--from-report", reports,
                                   "release what this report (every one given) calls leaked, if "
                                   "it still is");
  std::string handle;
  ipam_release_command->add_option("--ip", ip, "the address to release");
  ipam_release_command->add_option("--handle", handle, "release everything under this IPAM handle");
  auto* node = app.add_subcommand("node", "Node operations (status)");
  node->require_subcommand(1);
  auto* node_status_command =
      node->add_subcommand("status", "BGP peers of the local tabby-node, as calicoctl prints them");
  std::string status_socket;
  node_status_command->add_option("--status-socket", status_socket,
                                  "the agent's status socket (env TABBY_STATUS_SOCKET, default " +
                                      std::string(api::kDefaultStatusSocket) + ")");

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& error) {
    // CLI11 checks for a subcommand before leftovers; a mistyped flag is the better news.
    if (auto extras = unexpected_arguments(app, error)) {
      err << "tabbyctl: " << extras->what() << " (see tabbyctl --help)\n";
      return 1;
    }
    err << "tabbyctl: " << error.what() << " (see tabbyctl --help)\n";
    return 1;
  }

  if (version->parsed()) {
    out << "Client Version:    v" << kVersion << "\n";
    return 0;
  }
  if (node_status_command->parsed()) {
    if (status_socket.empty()) {
      status_socket =
          env(api::kStatusSocketVariable).value_or(std::string(api::kDefaultStatusSocket));
    }
    if (status_socket.empty()) status_socket = api::kDefaultStatusSocket;
    return node_status(status_socket, out, err);
  }

  const std::map<std::string, std::string> flag_values = {{"DATASTORE_TYPE", datastore_type},
                                                          {"TABBY_DATASTORE_PATH", datastore_path},
                                                          {"ETCD_ENDPOINTS", etcd_endpoints}};
  // A client configuration file (the one named, or calicoctl's default when it exists) stands
  // in for the environment, as in calicoctl; the flags win over either.
  std::optional<std::map<std::string, std::string>> file_values;
  std::error_code exists_error;
  if (config_file.empty() && std::filesystem::exists(kDefaultClientConfig, exists_error)) {
    config_file = kDefaultClientConfig;
  }
  if (!config_file.empty()) {
    auto loaded = load_client_config(config_file);
    if (!loaded) {
      err << loaded.error().message << "\n";
      return 1;
    }
    file_values = std::move(*loaded);
  }
  const api::EnvLookup base =
      file_values ? api::EnvLookup([&](std::string_view name) -> std::optional<std::string> {
        auto it = file_values->find(std::string(name));
        return it == file_values->end() ? std::nullopt : std::optional<std::string>(it->second);
      })
                  : env;
  const api::EnvLookup lookup = with_flags(base, flag_values);
  // An error names the flag, or the config file, when that gave the value.
  const api::EnvLabel label = [&](std::string_view name) -> std::string {
    static const std::map<std::string, std::string, std::less<>> kFlags = {
        {"DATASTORE_TYPE", "--datastore-type"},
        {"TABBY_DATASTORE_PATH", "--datastore-path"},
        {"ETCD_ENDPOINTS", "--etcd-endpoints"}};
    auto value = flag_values.find(std::string(name));
    if (value != flag_values.end() && !value->second.empty()) return kFlags.find(name)->second;
    if (file_values && file_values->contains(std::string(name)))
      return fmt::format("{} (from {})", name, config_file);
    return std::string(name);
  };
  try {
    auto config = api::datastore_config_from_env(lookup, label);
    if (!config) throw Failure{config.error().message};
    auto datastore = api::open_datastore(*config);
    if (!datastore) throw Failure{datastore.error().message};
    Context context{in, out, err, std::move(*datastore)};

    if (ipam_show_command->parsed()) {
      show_options.ip = ip;
      return ipam_show(*context.datastore, show_options, out, err);
    }
    if (ipam_configure_command->parsed())
      return ipam_configure(*context.datastore, configure_options, out, err);
    if (ipam_check_command->parsed())
      return ipam_check(*context.datastore, check_options, out, err);
    if (ipam_split_command->parsed())
      return ipam_split(*context.datastore, split_parts, split_name, split_cidr, out, err);
    if (ipam_release_command->parsed() && !reports.empty()) {
      if (!ip.empty() || !handle.empty())
        throw Failure{"ipam release takes --from-report, or --ip or --handle, not both"};
      return ipam_release_from_reports(*context.datastore, reports, out, err);
    }
    if (ipam_release_command->parsed())
      return ipam_release(*context.datastore, ip, handle, out, err);

    if (patch->parsed() || label_command_line->parsed()) {
      const auto& words = patch->parsed() ? patch_target : label_args;
      const ResourceRef target = resource_ref(words[0], words[1], namespace_);
      if (patch->parsed()) {
        auto type = patch_type_from_name(patch_type);
        if (!type) throw Failure{type.error().message};
        return patch_command(*context.datastore, target, patch_text, *type, out, err);
      }
      auto edit = label_edit_from_arguments(words[2], overwrite, remove_label);
      if (!edit) throw Failure{edit.error().message};
      return label_command(*context.datastore, target, *edit, out, err);
    }
    // With --skip-empty, input holding nothing at all is nothing to do.
    const auto write = [&](Verb verb, const std::vector<Resource>& resources, bool skip) {
      if (resources.empty() && skip_empty) return;
      write_resources(context, verb, resources, skip);
    };
    if (create->parsed())
      write(Verb::kCreate, parse_input(context, filename, skip_empty), skip_exists);
    if (apply->parsed()) write(Verb::kApply, parse_input(context, filename, skip_empty), false);
    if (replace->parsed()) write(Verb::kReplace, parse_input(context, filename, skip_empty), false);
    if (remove->parsed()) {
      std::vector<Resource> targets;
      if (!filename.empty()) {
        if (!delete_args.empty()) throw Failure{"delete takes -f FILE or KIND NAME..., not both"};
        targets = parse_input(context, filename, skip_empty);
      } else {
        if (delete_args.size() < 2) throw Failure{"delete needs -f FILE or KIND NAME..."};
        const auto kind = kind_from_argument(delete_args.front());
        if (!kind)
          throw Failure{fmt::format("resource type '{}' is not supported", delete_args.front())};
        for (std::size_t i = 1; i < delete_args.size(); ++i) {
          Resource target;
          target.kind = *kind;
          target.metadata.name = delete_args[i];
          target.metadata.namespace_ = api::kind_info(*kind).namespaced ? "default" : "";
          targets.push_back(std::move(target));
        }
      }
      write(Verb::kDelete, targets, skip_not_exists);
    }
    if (get_command->parsed()) {
      get(context, kind_argument, names, output, selector, namespace_, all_namespaces);
    }
  } catch (const Failure& failure) {
    err << failure.message << "\n";
    return 1;
  }
  return 0;
}

}  // namespace tabby::ctl
