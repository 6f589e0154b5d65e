#pragma once

// The naming rule of api.md §1 shared by every resource: a name is 1 to N bytes of valid UTF-8
// (N is 50 for data stores, scopes and keys, 63 for ordered entry ids, 128 for locks and
// memory-store names).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace strongbox::core {

// kInvalidArgument "<what> must be 1 to <max_bytes> bytes long." or "… valid UTF-8.".
Status ValidateName(std::string_view name, std::string_view what, size_t max_bytes);

// A universe id (`{universe}` in every path, api.md §1): a decimal int64 > 0; kInvalidArgument
// otherwise.
Result<int64_t> ParseUniverseId(std::string_view text);

}  // namespace strongbox::core
