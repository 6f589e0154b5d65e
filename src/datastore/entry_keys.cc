#include "datastore/entry_keys.h"

#include "store/key_codec.h"

namespace strongbox::datastore {

std::string EntryKey(const EntryName& n) {
  std::string k;
  store::PutKeyInt64(&k, n.universe);
  store::PutKeyString(&k, n.data_store);
  store::PutKeyString(&k, n.scope);
  store::PutKeyString(&k, n.key);
  return k;
}

std::string RevisionPrefix(const EntryName& n) { return EntryKey(n); }

std::string RevisionKey(const EntryName& n, uint64_t revision) {
  std::string k = RevisionPrefix(n);
  store::PutKeyUint64Desc(&k, revision);
  return k;
}

std::string CatalogKey(int64_t universe, std::string_view kind, std::string_view name) {
  std::string k;
  store::PutKeyInt64(&k, universe);
  store::PutKeyString(&k, kind);
  store::PutKeyString(&k, name);
  return k;
}

}  // namespace strongbox::datastore
