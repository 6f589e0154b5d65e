#pragma once

// JSON shapes of the v2 data store entry resource (api.md §3): decoding a request body into an
// EntryWrite and rendering an EntryRecord as the entry resource.

#include <string>

#include "core/json_util.h"
#include "core/status.h"
#include "datastore/entry.h"
#include "datastore/entry_service.h"

namespace strongbox::api {

// `value` (required), `users` (["users/7", …]; omitted = none), `attributes` (object; omitted
// = {}). Numbers in `users` are accepted too. kInvalidArgument for a `consumeMessages` member
// (RefuseConsumeMessages).
core::Result<datastore::EntryWrite> DecodeEntryWrite(const core::Json& body);

// kInvalidArgument when a body of a write other than :patch names `consumeMessages`: unknown
// fields are ignored, but not this one, since a client that believes it consumed a gift with
// such a write would apply it again later (proto-docs/entries.md "Mailbox"). `call` names the
// write in the message ("a create or update", ":increment").
core::Status RefuseConsumeMessages(const core::Json& body, std::string_view call);

// "users/123" (or "123") → 123; nullopt unless a positive int64.
std::optional<int64_t> ParseUserRef(std::string_view text);

// `users` / `attributes` of a body: nullopt when absent, an error when malformed.
core::Result<std::optional<std::vector<int64_t>>> DecodeOptionalUsers(const core::Json& body);
core::Result<std::optional<std::string>> DecodeOptionalAttributes(const core::Json& body);

// The :patch options beside the operations (api.md §3): `etag`, `allowMissing`,
// `initialValue`, `users`, `attributes`; absent ones leave `patch` as it is.
core::Status DecodePatchOptions(const core::Json& object,
                                datastore::EntryService::PatchRequest* patch);

// "universes/42/data-stores/Inventory[/scopes/global]/entries/users:7": the scope segment is
// present when the request named one, as Open Cloud does.
std::string EntryPath(const datastore::EntryName& name, bool scoped);

// The serialized entry resource, fields in the contract's order. The stored value and
// attributes are already compact JSON and are spliced in as they are (no parse + dump per read).
std::string EntryResourceJson(const datastore::EntryName& name, bool scoped,
                              const datastore::EntryRecord& record);

// A revision as :listRevisions lists it: path and id end in @<revisionId>; no value.
core::Json RevisionListItem(const datastore::EntryName& name, bool scoped,
                            const datastore::EntryRecord& record);

}  // namespace strongbox::api
