#pragma once
// calicoctl's client configuration file (-c/--config, default /etc/calico/calicoctl.cfg): a
// CalicoAPIConfig in YAML or JSON whose spec names the datastore. As in calicoctl, a config
// file, when there is one, is used instead of the environment, never merged with it.
//
//   apiVersion: projectcalico.org/v3
//   kind: CalicoAPIConfig
//   metadata: {}
//   spec:
//     datastoreType: etcdv3
//     etcdEndpoints: https://10.0.0.1:2379
//     etcdCACertFile: /etc/calico/ca.pem
//
// tabby adds datastoreType sqlite with datastorePath; the Kubernetes datastore's keys are
// refused by name (tabby has no Kubernetes datastore).

#include <map>
#include <string>

#include "tabby/common/result.h"

namespace tabby::ctl {

inline constexpr const char* kDefaultClientConfig = "/etc/calico/calicoctl.cfg";

// The variables the file stands for (DATASTORE_TYPE, ETCD_ENDPOINTS, ...). Errors name the
// file and the key.
Result<std::map<std::string, std::string>> load_client_config(const std::string& path);

}  // namespace tabby::ctl
