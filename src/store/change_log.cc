#include "store/change_log.h"

#include "core/json_util.h"
#include "core/strings.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"
#include "store/key_codec.h"

namespace strongbox::store {

using core::Json;
using core::Result;
using core::Status;

namespace {

constexpr char kMetaTag = 0x00;
constexpr char kRecordTag = 0x01;
constexpr char kHeadTag = 0x01;
constexpr char kFloorTag = 0x02;
constexpr char kRecordFormat = 0x01;  // the value's first byte (storage-format.md)

std::string UniversePrefix(int64_t universe) {
  std::string k;
  PutKeyInt64(&k, universe);
  return k;
}

Status Corrupt(std::string_view what) {
  return Status::Internal("corrupt change log row: " + std::string(what));
}

}  // namespace

bool IsChangeKind(std::string_view kind) {
  static constexpr std::string_view kKinds[] = {"entry",       "orderedEntry", "sortedMapItem",
                                                "hashMapItem", "queueItem",    "sessionLock"};
  for (std::string_view k : kKinds) {
    if (k == kind) return true;
  }
  return false;
}

std::string ChangeUniversePrefix(int64_t universe) { return UniversePrefix(universe); }

std::string ChangeLogOffKey() {
  std::string k = UniversePrefix(0);
  k.push_back(kMetaTag);
  k.push_back(0x03);
  return k;
}

Result<std::optional<ChangeUniverse>> NextChangeUniverse(const Engine& engine,
                                                         std::string_view from) {
  auto it = engine.NewIterator(ColumnFamily::kChanges, from, {});
  if (from.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(from);
  }
  std::optional<ChangeUniverse> out;
  if (it->Valid()) {
    std::string_view key = it->key();
    int64_t u = 0;
    if (!GetKeyInt64(&key, &u)) return Corrupt("a key without its universe");
    // Past every row of this universe (its subscriptions follow its records).
    out = ChangeUniverse{u, PrefixSuccessor(UniversePrefix(u))};
  }
  SB_RETURN_IF_ERROR(it->status());
  return out;
}

std::string ChangeHeadKey(int64_t universe) {
  std::string k = UniversePrefix(universe);
  k.push_back(kMetaTag);
  k.push_back(kHeadTag);
  return k;
}

std::string ChangeFloorKey(int64_t universe) {
  std::string k = UniversePrefix(universe);
  k.push_back(kMetaTag);
  k.push_back(kFloorTag);
  return k;
}

std::string ChangeKey(int64_t universe, uint64_t sequence) {
  std::string k = UniversePrefix(universe);
  k.push_back(kRecordTag);
  PutKeyUint64(&k, sequence);
  return k;
}

std::string ChangeRecordsEnd(int64_t universe) {
  std::string k = UniversePrefix(universe);
  k.push_back(kRecordTag + 1);
  return k;
}

bool ParseChangeKey(std::string_view key, int64_t* universe, uint64_t* sequence) {
  if (!GetKeyInt64(&key, universe) || key.empty() || key[0] != kRecordTag) return false;
  key.remove_prefix(1);
  return GetKeyUint64(&key, sequence) && key.empty();
}

std::string EncodeChangeRecord(const ChangeRecord& r) {
  // Written by hand, not through a JSON DOM: three records per queue item (add, read, discard)
  // made the DOM's allocations a tenth of the sequencer's time (docs/benchmarks.md). The rare
  // field that is not valid UTF-8 takes the DOM, whose `replace` handler mends it.
  for (std::string_view text :
       {std::string_view(r.kind), std::string_view(r.id), std::string_view(r.operation),
        std::string_view(r.container), std::string_view(r.scope), std::string_view(r.revision),
        std::string_view(r.writer.api_key_id), std::string_view(r.writer.label)}) {
    if (!core::IsValidUtf8(text)) {
      Json j = {{"t", core::ToUnixNanos(r.time)}, {"k", r.kind}, {"i", r.id}, {"o", r.operation}};
      if (r.transaction != 0) j["x"] = r.transaction;
      if (!r.container.empty()) j["c"] = r.container;
      if (!r.scope.empty()) j["s"] = r.scope;
      if (!r.revision.empty()) j["r"] = r.revision;
      if (!r.writer.api_key_id.empty()) j["w"] = r.writer.api_key_id;
      if (!r.writer.label.empty()) j["l"] = r.writer.label;
      return std::string(1, kRecordFormat) + core::DumpCompact(j);
    }
  }
  std::string out(1, kRecordFormat);
  out.reserve(96 + r.id.size() + r.container.size() + r.scope.size() + r.revision.size());
  const auto member = [&out](std::string_view name, std::string_view text) {
    out.append(",\"").append(name).append("\":");
    core::AppendJsonString(&out, text);
  };
  out.append("{\"t\":").append(std::to_string(core::ToUnixNanos(r.time)));
  member("k", r.kind);
  member("i", r.id);
  member("o", r.operation);
  if (r.transaction != 0) out.append(",\"x\":").append(std::to_string(r.transaction));
  if (!r.container.empty()) member("c", r.container);
  if (!r.scope.empty()) member("s", r.scope);
  if (!r.revision.empty()) member("r", r.revision);
  if (!r.writer.api_key_id.empty()) member("w", r.writer.api_key_id);
  if (!r.writer.label.empty()) member("l", r.writer.label);
  out.push_back('}');
  return out;
}

Result<ChangeRecord> DecodeChangeRecord(std::string_view bytes, uint64_t sequence) {
  if (bytes.empty() || bytes[0] != kRecordFormat) return Corrupt("unknown record format");
  auto parsed = core::ParseJson(bytes.substr(1));
  if (!parsed.ok() || !parsed->is_object()) return Corrupt("not a JSON object");
  const Json& j = *parsed;
  ChangeRecord r;
  r.sequence = sequence;
  try {
    r.time = core::FromUnixNanos(j.at("t").get<int64_t>());
    r.kind = j.at("k").get<std::string>();
    r.id = j.at("i").get<std::string>();
    r.operation = j.at("o").get<std::string>();
    r.transaction = j.value("x", uint64_t{0});
    r.container = j.value("c", std::string());
    r.scope = j.value("s", std::string());
    r.revision = j.value("r", std::string());
    r.writer.api_key_id = j.value("w", std::string());
    r.writer.label = j.value("l", std::string());
  } catch (const std::exception& e) {
    return Corrupt(e.what());
  }
  return r;
}

Result<uint64_t> DecodeChangeCounter(const std::optional<std::string>& bytes, uint64_t absent) {
  if (!bytes) return absent;
  auto n = core::ParseUint64(*bytes);
  if (!n) return Corrupt("counter is not a number");
  return *n;
}

Status ChangeLog::Stage(WriteView& view, const std::vector<Change>& changes,
                        const ChangeWriter* writer) const {
  if (changes.empty()) return Status::Ok();
  const core::Timestamp now = view.Now(*clock_);
  // One head read per universe of the mutation (a transaction's operations share one).
  int64_t universe = 0;
  uint64_t head = 0;
  uint64_t first = 0;
  for (const Change& change : changes) {
    if (change.universe != universe || first == 0) {
      if (first != 0) {
        view.Put(ColumnFamily::kChanges, ChangeHeadKey(universe), std::to_string(head));
      }
      universe = change.universe;
      SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kChanges, ChangeHeadKey(universe)));
      SB_ASSIGN_OR_RETURN(head, DecodeChangeCounter(bytes, 0));
      if (first == 0) first = head + 1;
      view.OnCommitted([this, universe] { committed_.Wake(WaiterKey(universe)); });
    }
    ChangeRecord record;
    record.time = now;
    record.transaction = changes.size() > 1 ? first : 0;
    record.kind = change.kind;
    record.container = change.container;
    record.scope = change.scope;
    record.id = change.id;
    record.operation = change.operation;
    record.revision = change.revision;
    if (writer != nullptr) record.writer = *writer;
    ++head;
    view.Put(ColumnFamily::kChanges, ChangeKey(universe, head), EncodeChangeRecord(record));
  }
  view.Put(ColumnFamily::kChanges, ChangeHeadKey(universe), std::to_string(head));
  return Status::Ok();
}

}  // namespace strongbox::store
