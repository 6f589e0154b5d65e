#pragma once

// The ordered data store model (api.md §4): where a leaderboard entry lives, its stored record
// and the keys of both column families (proto-docs/storage-format.md):
//
//   ordered        universe(int64) store(str) scope(str) id(str)          → OrderedRecord
//   ordered_index  universe(int64) store(str) scope(str) value(int64) arrival(uint64) id(str)
//                  → empty, or the subscore and metadata flag (OrderedIndexValue)
//
// A board with a reset schedule (api.md §9, proto-docs/leaderboard-seasons.md) keeps each season
// under its own prefix: season 0 is the layout above, season n > 0 ends the scope with the key
// codec's variant tag kSeasonTag and appends season(uint64) — "scope 00 02 season" where season
// 0 has "scope 00 01". So boards written before seasons existed are season 0 without a rewrite,
// and a new season starts with no rows at all.
//
// The index sorts a board ascending by (value, arrival) — the order RankIndex keeps in memory
// for a board without subscores — so a startup rebuild reads such a board already sorted. The
// subscore (api.md §9) rides in the index row's value rather than its key, so rows written
// before subscores existed keep their layout; a rebuild inserts the few rows a subscore moves.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace strongbox::leaderboard {

inline constexpr const char* kDefaultScope = "global";
inline constexpr size_t kMaxEntryIdBytes = 63;  // api.md §1: v2 ordered entry ids

// One leaderboard: universe / ordered data store / scope, and which season of it (0 for a board
// that never had a schedule; leaderboard_service.h resolves the live one).
struct BoardName {
  int64_t universe = 0;
  std::string store;
  std::string scope = kDefaultScope;
  uint64_t season = 0;
};

inline constexpr uint8_t kSeasonTag = 0x02;

// The current state of an entry. `arrival` orders ties (rank_index.h): it changes whenever the
// score (value, subscore) does, never otherwise. `metadata`: a compact JSON object, or empty.
struct OrderedRecord {
  int64_t value = 0;
  uint64_t arrival = 0;
  int64_t subscore = 0;
  std::string metadata;
};

// Format 1: value and arrival; format 2 adds subscore and metadata, written only when either is
// set, so a board that uses neither keeps format 1 bytes. Both are read.
inline constexpr uint8_t kOrderedRecordFormat = 1;
inline constexpr uint8_t kOrderedRecordFormatExtras = 2;

std::string EncodeOrderedRecord(const OrderedRecord& record);
core::Result<OrderedRecord> DecodeOrderedRecord(std::string_view bytes);

// The value of an ordered_index row: empty for subscore 0 and no metadata, else the subscore
// and whether the record holds metadata (so list answers fetch records only for those).
std::string EncodeOrderedIndexValue(const OrderedRecord& record);
// false when malformed.
bool DecodeOrderedIndexValue(std::string_view bytes, int64_t* subscore, bool* has_metadata);

// The key prefix shared by a board's rows in both families (of its season); also the board's
// in-memory id.
std::string BoardKey(const BoardName& board);
// Reads a BoardKey from the front of `*key`, consuming it; false when malformed.
bool ParseBoardKey(std::string_view* key, BoardName* board);
// The catalog key of one of the board's rows of `kind` (any season): universe, kind, store,
// scope — the catalog family's "universe, kind, name" layout with a two-part name
// (proto-docs/storage-format.md). Settings and season rows are built on it.
std::string BoardCatalogKey(const BoardName& board, std::string_view kind);
std::string OrderedKey(const BoardName& board, std::string_view id);
std::string OrderedIndexKey(const BoardName& board, const OrderedRecord& record,
                            std::string_view id);

// An ordered_index key split into its board prefix and fields; false when malformed.
struct OrderedIndexRow {
  std::string_view board_key;
  OrderedRecord record;
  std::string id;
};
bool ParseOrderedIndexKey(std::string_view key, OrderedIndexRow* row);

core::Status ValidateBoardName(const BoardName& board);
core::Status ValidateEntryId(std::string_view id);

}  // namespace strongbox::leaderboard
