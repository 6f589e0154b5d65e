#pragma once

// Revision ids (= etags) of data store entries. Opaque to clients, but shaped like Roblox's:
//   <creation time, 16 hex>.<per-key counter, 10 decimal>.<revision time, 16 hex>.01
// Times are .NET ticks (100 ns since 0001-01-01), as Roblox's are. The counter locates the
// revision in storage; the rest must match too, so an id from a deleted-and-recreated entry
// never names a revision of the new one.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "datastore/entry.h"

namespace strongbox::datastore {

std::string FormatRevisionId(const EntryRecord& record);

// The per-key counter of a well-formed id; nullopt for anything else.
std::optional<uint64_t> ParseRevisionCounter(std::string_view id);

}  // namespace strongbox::datastore
