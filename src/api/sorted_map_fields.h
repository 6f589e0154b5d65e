#pragma once

// Request fields of the memory-store sorted map calls (api.md §5): the list filter and order,
// and an item body. Each error is a 400 that says what is accepted.

#include <string_view>

#include "core/json_util.h"
#include "core/status.h"
#include "memstore/sorted_map_service.h"

namespace strongbox::api {

// `id` / `sortKey` with `<` or `>` (exclusive), clauses joined by `&&`; strings double-quoted
// (\" and \\ escapes), sort keys also numbers: `sortKey > 10 && sortKey < 20 && id > "a"`.
// Fills the bounds of `query`; "" is no filter.
core::Status ParseSortedMapFilter(std::string_view text,
                                  memstore::SortedMapService::ListQuery* query);

// "", "asc", "id asc" → ascending; "desc", "id desc" → descending (any case).
core::Result<bool> ParseSortedMapDescending(std::string_view text);

// value (required), ttl, numericSortKey | stringSortKey, matched case-insensitively.
core::Result<memstore::SortedMapService::ItemWrite> DecodeItemWrite(const core::Json& body);

// Appends the item resource {"path","id","value","etag","expireTime"[,"numericSortKey"|
// "stringSortKey"]}, the stored value spliced in without a DOM round trip.
// `collection` is the path segment of the map's kind: "sorted-maps" or "hash-maps" (a hash
// map's items carry no sort key, so none is written).
void AppendSortedMapItem(std::string* out, const memstore::SortedMapName& name,
                         const memstore::SortedMapItem& item,
                         std::string_view collection = "sorted-maps");

}  // namespace strongbox::api
