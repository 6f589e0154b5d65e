#include "leaderboard/ordered_entry.h"

#include "core/names.h"
#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::leaderboard {

std::string EncodeOrderedRecord(const OrderedRecord& record) {
  const bool extras = record.subscore != 0 || !record.metadata.empty();
  std::string out(1, static_cast<char>(extras ? kOrderedRecordFormatExtras : kOrderedRecordFormat));
  store::PutVarsint64(&out, record.value);
  store::PutVarint64(&out, record.arrival);
  if (extras) {
    store::PutVarsint64(&out, record.subscore);
    store::PutLengthPrefixed(&out, record.metadata);
  }
  return out;
}

core::Result<OrderedRecord> DecodeOrderedRecord(std::string_view in) {
  uint8_t format;
  OrderedRecord record;
  const auto corrupt = [] { return core::Status::Internal("corrupt ordered entry record"); };
  if (!store::GetByte(&in, &format) ||
      (format != kOrderedRecordFormat && format != kOrderedRecordFormatExtras) ||
      !store::GetVarsint64(&in, &record.value) || !store::GetVarint64(&in, &record.arrival)) {
    return corrupt();
  }
  if (format == kOrderedRecordFormatExtras) {
    std::string_view metadata;
    if (!store::GetVarsint64(&in, &record.subscore) || !store::GetLengthPrefixed(&in, &metadata)) {
      return corrupt();
    }
    record.metadata.assign(metadata);
  }
  if (!in.empty()) return corrupt();
  return record;
}

std::string EncodeOrderedIndexValue(const OrderedRecord& record) {
  std::string out;
  if (record.subscore == 0 && record.metadata.empty()) return out;
  store::PutVarsint64(&out, record.subscore);
  out.push_back(record.metadata.empty() ? '\0' : '\1');
  return out;
}

bool DecodeOrderedIndexValue(std::string_view in, int64_t* subscore, bool* has_metadata) {
  *subscore = 0;
  *has_metadata = false;
  if (in.empty()) return true;
  uint8_t flag = 0;
  if (!store::GetVarsint64(&in, subscore) || !store::GetByte(&in, &flag) || flag > 1 ||
      !in.empty()) {
    return false;
  }
  *has_metadata = flag == 1;
  return true;
}

std::string BoardKey(const BoardName& board) {
  std::string k;
  store::PutKeyInt64(&k, board.universe);
  store::PutKeyString(&k, board.store);
  if (board.season == 0) {
    store::PutKeyString(&k, board.scope);
  } else {
    store::PutKeyStringVariant(&k, board.scope, kSeasonTag);
    store::PutKeyUint64(&k, board.season);
  }
  return k;
}

std::string BoardCatalogKey(const BoardName& board, std::string_view kind) {
  std::string k;
  store::PutKeyInt64(&k, board.universe);
  store::PutKeyString(&k, kind);
  store::PutKeyString(&k, board.store);
  store::PutKeyString(&k, board.scope);
  return k;
}

bool ParseBoardKey(std::string_view* key, BoardName* board) {
  uint8_t tag = 0;
  if (!store::GetKeyInt64(key, &board->universe) || !store::GetKeyString(key, &board->store) ||
      !store::GetKeyStringOrVariant(key, &board->scope, &tag)) {
    return false;
  }
  board->season = 0;
  if (tag == store::kKeyStringPlain) return true;
  return tag == kSeasonTag && store::GetKeyUint64(key, &board->season) && board->season > 0;
}

std::string OrderedKey(const BoardName& board, std::string_view id) {
  std::string k = BoardKey(board);
  store::PutKeyString(&k, id);
  return k;
}

std::string OrderedIndexKey(const BoardName& board, const OrderedRecord& record,
                            std::string_view id) {
  std::string k = BoardKey(board);
  store::PutKeyInt64(&k, record.value);
  store::PutKeyUint64(&k, record.arrival);
  store::PutKeyString(&k, id);
  return k;
}

bool ParseOrderedIndexKey(std::string_view key, OrderedIndexRow* row) {
  std::string_view in = key;
  BoardName board;
  if (!ParseBoardKey(&in, &board)) return false;
  row->board_key = key.substr(0, key.size() - in.size());
  return store::GetKeyInt64(&in, &row->record.value) &&
         store::GetKeyUint64(&in, &row->record.arrival) && store::GetKeyString(&in, &row->id) &&
         in.empty();
}

core::Status ValidateBoardName(const BoardName& board) {
  if (board.universe <= 0) {
    return core::Status::InvalidArgument("Universe id must be a positive integer.");
  }
  SB_RETURN_IF_ERROR(core::ValidateName(board.store, "Ordered data store name", 50));
  return core::ValidateName(board.scope, "Scope", 50);
}

core::Status ValidateEntryId(std::string_view id) {
  return core::ValidateName(id, "Entry id", kMaxEntryIdBytes);
}

}  // namespace strongbox::leaderboard
