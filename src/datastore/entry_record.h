#pragma once

// Binary form of EntryRecord in the entries and revisions column families
// (proto-docs/storage-format.md, "entry record").

#include <string>
#include <string_view>

#include "core/status.h"
#include "datastore/entry.h"

namespace strongbox::datastore {

inline constexpr uint8_t kEntryRecordFormat = 1;

std::string EncodeEntryRecord(const EntryRecord& record);
core::Result<EntryRecord> DecodeEntryRecord(std::string_view bytes);

// Whether an encoded record is a tombstone, without decoding the rest (for listings).
bool IsTombstone(std::string_view bytes);

}  // namespace strongbox::datastore
