#include "client_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace tabby::ctl {

Result<std::map<std::string, std::string>> load_client_config(const std::string& path) {
  std::ifstream stream(path);
  if (!stream) return Error{fmt::format("Error reading config file: {}", path)};
  std::stringstream text;
  text << stream.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& error) {
    return Error{fmt::format("syntax error in {}: failed to parse config as YAML/JSON: {}", path,
                             error.what())};
  }
  if (!root.IsMap()) return Error{fmt::format("invalid config file {}: not a mapping", path)};
  const auto scalar = [](const YAML::Node& node) {
    return node && node.IsScalar() ? node.as<std::string>() : std::string();
  };
  if (scalar(root["apiVersion"]) != "projectcalico.org/v3") {
    return Error{fmt::format("invalid config file {}: unknown APIVersion '{}'", path,
                             scalar(root["apiVersion"]))};
  }
  if (scalar(root["kind"]) != "CalicoAPIConfig") {
    return Error{fmt::format("invalid config file {}: expected kind 'CalicoAPIConfig', got '{}'",
                             path, scalar(root["kind"]))};
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (key != "apiVersion" && key != "kind" && key != "metadata" && key != "spec") {
      return Error{fmt::format("invalid config file {}: unknown field \"{}\"", path, key)};
    }
  }
  static const std::map<std::string, std::string> kVariables = {
      {"datastoreType", "DATASTORE_TYPE"},     {"etcdEndpoints", "ETCD_ENDPOINTS"},
      {"etcdUsername", "ETCD_USERNAME"},       {"etcdPassword", "ETCD_PASSWORD"},
      {"etcdKeyFile", "ETCD_KEY_FILE"},        {"etcdCertFile", "ETCD_CERT_FILE"},
      {"etcdCACertFile", "ETCD_CA_CERT_FILE"}, {"datastorePath", "TABBY_DATASTORE_PATH"}};
  std::map<std::string, std::string> out;
  const YAML::Node spec = root["spec"];
  if (!spec) return out;
  if (!spec.IsMap())
    return Error{fmt::format("invalid config file {}: spec is not a mapping", path)};
  for (const auto& entry : spec) {
    const std::string key = entry.first.as<std::string>();
    auto variable = kVariables.find(key);
    if (variable == kVariables.end()) {
      const bool kubernetes = key.starts_with("k8s") || key.starts_with("kube") ||
                              key == "usePodCIDR" || key == "calicoAPIGroup";
      return Error{fmt::format(
          "invalid config file {}: spec.{}: {}", path, key,
          kubernetes ? "tabby has no Kubernetes datastore (use etcdv3 or sqlite)"
                     : "unknown field (the etcd keys, datastoreType and datastorePath are known; "
                       "inline etcdKey/etcdCert/etcdCACert are not supported: give the files)")};
    }
    if (!entry.second.IsScalar()) {
      return Error{fmt::format("invalid config file {}: spec.{}: not a string", path, key)};
    }
    out[variable->second] = entry.second.as<std::string>();
  }
  if (out.contains("DATASTORE_TYPE") && out["DATASTORE_TYPE"] == "kubernetes") {
    return Error{fmt::format(
        "invalid config file {}: spec.datastoreType: \"kubernetes\": tabby has no Kubernetes "
        "datastore (use etcdv3 or sqlite)",
        path)};
  }
  return out;
}

}  // namespace tabby::ctl
