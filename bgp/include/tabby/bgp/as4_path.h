#pragma once
// 4-octet AS numbers toward and from 2-octet speakers (RFC 6793 sections 4.2.2 and 4.2.3):
// such a peer sees AS_TRANS in AS_PATH and AGGREGATOR, and the real numbers travel in
// AS4_PATH and AS4_AGGREGATOR.

#include "tabby/bgp/path_attributes.h"

namespace tabby::bgp {

// The attributes as a 4-octet speaker sends them to a 2-octet peer: every AS above 65535
// replaced by AS_TRANS in AS_PATH and AGGREGATOR, and AS4_PATH / AS4_AGGREGATOR added when
// (and only when) something was replaced. Confederation segments stay out of AS4_PATH.
PathAttributes to_two_octet_peer(const PathAttributes& attributes);

// The attributes received from a 2-octet peer with AS4_PATH / AS4_AGGREGATOR merged into
// AS_PATH and AGGREGATOR as section 4.2.3 says, and removed.
PathAttributes from_two_octet_peer(const PathAttributes& attributes);

// The merge of section 4.2.3 for the paths alone.
AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path);

}  // namespace tabby::bgp
