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

bool ParseEntryKey(std::string_view key, EntryName* n) {
  return store::GetKeyInt64(&key, &n->universe) && store::GetKeyString(&key, &n->data_store) &&
         store::GetKeyString(&key, &n->scope) && store::GetKeyString(&key, &n->key) && key.empty();
}

std::string RevisionPrefix(const EntryName& n) { return EntryKey(n); }

std::string RevisionKey(const EntryName& n, uint64_t revision) {
  std::string k = RevisionPrefix(n);
  store::PutKeyUint64Desc(&k, revision);
  return k;
}

std::string MailboxStateKey(const EntryName& name) {
  std::string k = EntryKey(name);
  k.push_back('\x00');
  return k;
}

std::string MessagePrefix(const EntryName& name) {
  std::string k = EntryKey(name);
  k.push_back('\x01');
  return k;
}

std::string MessageKey(const EntryName& name, uint64_t sequence) {
  std::string k = MessagePrefix(name);
  store::PutKeyUint64(&k, sequence);
  return k;
}

std::string CatalogKey(int64_t universe, std::string_view kind, std::string_view name) {
  std::string k;
  store::PutKeyInt64(&k, universe);
  store::PutKeyString(&k, kind);
  store::PutKeyString(&k, name);
  return k;
}

std::string UserIndexPrefix(int64_t universe, int64_t user) {
  std::string k;
  store::PutKeyInt64(&k, universe);
  store::PutKeyInt64(&k, user);
  return k;
}

std::string UserIndexKey(int64_t universe, int64_t user, const EntryName& n) {
  std::string k = UserIndexPrefix(universe, user);
  store::PutKeyString(&k, n.data_store);
  store::PutKeyString(&k, n.scope);
  store::PutKeyString(&k, n.key);
  return k;
}

bool ParseUserIndexKey(std::string_view key, EntryName* name) {
  int64_t user;
  return store::GetKeyInt64(&key, &name->universe) && store::GetKeyInt64(&key, &user) &&
         store::GetKeyString(&key, &name->data_store) && store::GetKeyString(&key, &name->scope) &&
         store::GetKeyString(&key, &name->key) && key.empty();
}

}  // namespace strongbox::datastore
