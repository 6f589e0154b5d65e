#include "memstore/item_count.h"

#include <string_view>

#include "store/value_codec.h"

namespace strongbox::memstore {

core::Result<uint64_t> DecodeItemCount(std::string_view bytes) {
  uint64_t count;
  if (!store::GetVarint64(&bytes, &count)) return core::Status::Internal("corrupt item count");
  return count;
}

core::Result<uint64_t> ReadItemCount(const store::WriteView& view, store::ColumnFamily cf,
                                     const std::string& key) {
  SB_ASSIGN_OR_RETURN(auto bytes, view.Get(cf, key));
  if (!bytes) return uint64_t{0};
  return DecodeItemCount(*bytes);
}

void WriteItemCount(store::WriteView& view, store::ColumnFamily cf, const std::string& key,
                    uint64_t count) {
  if (count == 0) {
    view.Delete(cf, key);
    return;
  }
  std::string bytes;
  store::PutVarint64(&bytes, count);
  view.Put(cf, key, bytes);
}

core::Status AddToItemCount(store::WriteView& view, store::ColumnFamily cf, const std::string& key,
                            int64_t delta) {
  SB_ASSIGN_OR_RETURN(uint64_t count, ReadItemCount(view, cf, key));
  const int64_t next = static_cast<int64_t>(count) + delta;
  WriteItemCount(view, cf, key, next > 0 ? static_cast<uint64_t>(next) : 0);
  return core::Status::Ok();
}

}  // namespace strongbox::memstore
