#include "store/key_listing.h"

#include "store/key_codec.h"

namespace strongbox::store {

namespace {

core::Status Corrupt(ColumnFamily cf) {
  return core::Status::Internal("A key of column family " + std::to_string(static_cast<int>(cf)) +
                                " does not decode.");
}

}  // namespace

core::Result<std::vector<int64_t>> DistinctLeadingInt64(const Engine& engine, ColumnFamily cf,
                                                        size_t limit) {
  std::vector<int64_t> out;
  auto it = engine.NewIterator(cf);
  it->SeekToFirst();
  while (it->Valid() && out.size() < limit) {
    std::string_view key = it->key();
    int64_t value;
    if (!GetKeyInt64(&key, &value)) return Corrupt(cf);
    out.push_back(value);
    if (value == INT64_MAX) break;
    std::string next;
    PutKeyInt64(&next, value + 1);
    it->Seek(next);
  }
  SB_RETURN_IF_ERROR(it->status());
  return out;
}

core::Result<std::vector<std::string>> DistinctStringsAfter(const Engine& engine, ColumnFamily cf,
                                                            std::string_view prefix, size_t limit) {
  std::vector<std::string> out;
  const std::string upper = PrefixSuccessor(prefix);
  auto it = engine.NewIterator(cf, prefix, upper);
  it->Seek(prefix);
  while (it->Valid()) {
    const std::string_view key = it->key();
    std::string_view rest = key.substr(prefix.size());
    std::string value;
    uint8_t tag;
    if (!GetKeyStringOrVariant(&rest, &value, &tag)) return Corrupt(cf);
    if (out.empty() || out.back() != value) {
      if (out.size() == limit) break;
      out.push_back(std::move(value));
    }
    // Past every row that starts with this prefix and this string (with this tag): the string's
    // encoding ends in its terminator, so nothing longer shares it.
    it->Seek(PrefixSuccessor(key.substr(0, key.size() - rest.size())));
  }
  SB_RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace strongbox::store
