#pragma once

// Keys of data store records, built with the order-preserving key codec
// (proto-docs/storage-format.md).
//   entries    universe(int64) data_store(str) scope(str) key(str)
//   revisions  universe data_store scope key revision(uint64, descending)
//   catalog    universe kind(str) name(str)

#include <cstdint>
#include <string>
#include <string_view>

#include "datastore/entry.h"

namespace strongbox::datastore {

inline constexpr std::string_view kCatalogKindDataStore = "data-store";

std::string EntryKey(const EntryName& name);
// The entry an entries-family key names; false on a malformed key.
bool ParseEntryKey(std::string_view key, EntryName* name);
// Every revision key of the entry starts with this; newest first in key order.
std::string RevisionPrefix(const EntryName& name);
std::string RevisionKey(const EntryName& name, uint64_t revision);
std::string CatalogKey(int64_t universe, std::string_view kind, std::string_view name);

//   mailbox    EntryKey 00          → the mailbox's state (mailbox.h)
//              EntryKey 01 seq(u64) → a message
std::string MailboxStateKey(const EntryName& name);
std::string MessagePrefix(const EntryName& name);
std::string MessageKey(const EntryName& name, uint64_t sequence);

//   user_index  universe(int64) user(int64) data_store scope key → empty
std::string UserIndexPrefix(int64_t universe, int64_t user);
std::string UserIndexKey(int64_t universe, int64_t user, const EntryName& name);
// The entry a user index key points at; false on a malformed key.
bool ParseUserIndexKey(std::string_view key, EntryName* name);

}  // namespace strongbox::datastore
