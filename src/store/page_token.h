#pragma once

// Page tokens for every list call: opaque to clients, bound to the query that produced them.
// A token carries a format byte, a stable hash of the query (everything but the page size and
// the token itself) and the key to resume after. Reusing a token with another query, or sending
// anything that is not a token we made, is kInvalidArgument.

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/engine.h"

namespace strongbox::store {

// `query` is a canonical description of the listing (e.g. its path, filter and order).
std::string EncodePageToken(std::string_view query, std::string_view resume_after);

// The resume key of a token made for `query`.
core::Result<std::string> DecodePageToken(std::string_view token, std::string_view query);

// Positions `it` at the first key of a page over [lower, …): just past `resume_after` (the last
// key of the previous page) when given, else at the start. A resume key below `lower` cannot
// come from this listing: kInvalidArgument.
core::Status SeekPageStart(Iterator& it, const std::optional<std::string>& resume_after,
                           std::string_view lower);

}  // namespace strongbox::store
