#include "api/commit_operations.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <utility>

#include "api/entry_json.h"
#include "api/ordered_fields.h"
#include "api/queue_fields.h"
#include "api/request_fields.h"
#include "api/sorted_map_fields.h"
#include "ops/api_key.h"

namespace strongbox::api {

using core::Json;
using core::Result;
using core::Status;

namespace {

// "an entry", "a queue item": for messages.
std::string WithArticle(std::string_view noun) {
  const bool vowel =
      !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(noun);
}

// The one verb among `verbs` that `op` carries; 400 when none or several.
Result<std::string_view> OneVerb(const Json& op, std::string_view resource,
                                 std::span<const std::string_view> verbs) {
  std::optional<std::string_view> found;
  std::string names;
  for (std::string_view verb : verbs) {
    names += (names.empty() ? "" : ", ") + std::string(verb);
    if (core::FindMember(op, verb) == nullptr) continue;
    if (found) {
      return Status::InvalidArgument("An operation on " + WithArticle(resource) +
                                     " takes one verb; it has '" + std::string(*found) + "' and '" +
                                     std::string(verb) + "'.");
    }
    found = verb;
  }
  if (!found) {
    return Status::InvalidArgument("An operation on " + WithArticle(resource) +
                                   " needs one verb: " + names + ".");
  }
  return *found;
}

// Refuses a member of `op` that is neither its resource, its verb, nor one of `extra` (the
// options that go beside that verb): a misplaced "etag" must not turn a conditional write into
// an unconditional one unnoticed.
Status OnlyKnownMembers(const Json& op, std::string_view resource, std::string_view verb,
                        std::initializer_list<std::string_view> extra = {}) {
  for (const auto& [member, value] : op.items()) {
    if (member == resource || member == verb) continue;
    if (std::find(extra.begin(), extra.end(), member) != extra.end()) continue;
    return Status::InvalidArgument(
        "Unknown member '" + member + "' in an operation on '" + std::string(resource) +
        "' with '" + std::string(verb) + "'" +
        (extra.size() == 0 ? "; options go inside the verb's object." : "."));
  }
  return Status::Ok();
}

// A required string member of a resource object.
Result<std::string> RequiredName(const Json& resource, std::string_view resource_name,
                                 std::string_view field) {
  SB_ASSIGN_OR_RETURN(auto value, core::GetOptionalString(resource, field));
  if (!value) {
    return Status::InvalidArgument("'" + std::string(resource_name) + "." + std::string(field) +
                                   "' is required.");
  }
  return std::move(*value);
}

// The verb's member, which must be an object (an empty one when given as null or {}).
Result<Json> VerbObject(const Json& op, std::string_view verb) {
  const Json* value = core::FindMember(op, verb);
  if (value == nullptr || value->is_null()) return Json::object();
  if (!value->is_object()) {
    return Status::InvalidArgument("'" + std::string(verb) + "' must be an object.");
  }
  return *value;
}

// Wraps a staged write so that it answers with the single call's JSON.
template <class T, class Render>
store::Staged<std::string> Rendered(store::Staged<T> staged, Render render) {
  return [staged = std::move(staged),
          render = std::move(render)](store::WriteView& view) -> Result<std::string> {
    SB_ASSIGN_OR_RETURN(T value, staged(view));
    return render(value);
  };
}

Result<CommitOperation> EntryOperation(const Json& op, const Json& resource, int64_t universe,
                                       const Services& services) {
  using namespace ops::scopes;  // NOLINT: the scope names of api.md §7
  datastore::EntryName name;
  name.universe = universe;
  SB_ASSIGN_OR_RETURN(name.data_store, RequiredName(resource, "entry", "dataStore"));
  SB_ASSIGN_OR_RETURN(name.key, RequiredName(resource, "entry", "id"));
  SB_ASSIGN_OR_RETURN(auto scope, core::GetOptionalString(resource, "scope"));
  const bool scoped = scope.has_value();
  if (scope) name.scope = std::move(*scope);
  static constexpr std::array<std::string_view, 5> kVerbs = {"create", "update", "patch",
                                                             "increment", "delete"};
  SB_ASSIGN_OR_RETURN(std::string_view verb, OneVerb(op, "entry", kVerbs));
  datastore::EntryService& entries = *services.entries;
  CommitOperation out;
  out.resource = CommitResource::kEntry;
  out.data_store = name.data_store;
  Result<store::Staged<datastore::EntryRecord>> staged = Status::Internal("no verb");
  bool answers_entry = true;
  if (verb == "patch") {
    SB_RETURN_IF_ERROR(OnlyKnownMembers(
        op, "entry", verb,
        {"etag", "allowMissing", "initialValue", "users", "attributes", "consumeMessages"}));
  } else if (verb == "increment") {
    SB_RETURN_IF_ERROR(OnlyKnownMembers(op, "entry", verb, {"users", "attributes"}));
  } else {
    SB_RETURN_IF_ERROR(OnlyKnownMembers(op, "entry", verb));
  }
  if (verb == "create") {
    out.scopes = {kObjectsCreate};
    SB_ASSIGN_OR_RETURN(Json body, VerbObject(op, verb));
    // Not consumeMessages: DecodeEntryWrite refuses it with its own reason (only :patch).
    SB_RETURN_IF_ERROR(RefuseUnknownMembers(body, verb, {"value", "users", "attributes"}));
    SB_ASSIGN_OR_RETURN(datastore::EntryWrite write, DecodeEntryWrite(body));
    staged = entries.StageCreate(name, std::move(write));
  } else if (verb == "update") {
    out.scopes = {kObjectsUpdate};
    SB_ASSIGN_OR_RETURN(Json body, VerbObject(op, verb));
    SB_RETURN_IF_ERROR(
        RefuseUnknownMembers(body, verb, {"value", "users", "attributes", "etag", "allowMissing"}));
    SB_ASSIGN_OR_RETURN(auto etag, core::GetOptionalString(body, "etag"));
    SB_ASSIGN_OR_RETURN(auto allow_missing, core::GetOptionalBool(body, "allowMissing"));
    SB_ASSIGN_OR_RETURN(datastore::EntryWrite write, DecodeEntryWrite(body));
    staged =
        entries.StageUpdate(name, std::move(write), std::move(etag), allow_missing.value_or(false));
  } else if (verb == "patch") {
    out.scopes = {kObjectsUpdate};
    datastore::EntryService::PatchRequest patch;
    patch.operations = *core::FindMember(op, "patch");
    if (!patch.operations.is_array() || patch.operations.empty()) {
      return Status::InvalidArgument("'patch' must be a non-empty array of JSON Patch operations.");
    }
    SB_RETURN_IF_ERROR(DecodePatchOptions(op, &patch));
    staged = entries.StagePatch(name, std::move(patch));
  } else if (verb == "increment") {
    out.scopes = {kObjectsUpdate};
    SB_ASSIGN_OR_RETURN(int64_t amount, RequiredInt64(op, "increment"));
    SB_ASSIGN_OR_RETURN(auto users, DecodeOptionalUsers(op));
    SB_ASSIGN_OR_RETURN(auto attributes, DecodeOptionalAttributes(op));
    staged = entries.StageIncrement(name, amount, std::move(users), std::move(attributes));
  } else {
    out.scopes = {kObjectsDelete};
    answers_entry = false;
    SB_ASSIGN_OR_RETURN(Json body, VerbObject(op, verb));
    SB_RETURN_IF_ERROR(RefuseUnknownMembers(body, verb, {"etag"}));
    SB_ASSIGN_OR_RETURN(auto etag, core::GetOptionalString(body, "etag"));
    staged = entries.StageDelete(name, std::move(etag));
  }
  SB_RETURN_IF_ERROR(staged.status());
  out.stage = Rendered<datastore::EntryRecord>(
      std::move(staged).value(),
      [name, scoped, answers_entry](const datastore::EntryRecord& record) {
        // A delete answers {} as DELETE does.
        return answers_entry ? EntryResourceJson(name, scoped, record) : std::string("{}");
      });
  return out;
}

Result<CommitOperation> OrderedOperation(const Json& op, const Json& resource, int64_t universe,
                                         const Services& services) {
  leaderboard::BoardName board;
  board.universe = universe;
  SB_ASSIGN_OR_RETURN(board.store, RequiredName(resource, "orderedEntry", "store"));
  SB_ASSIGN_OR_RETURN(auto scope, core::GetOptionalString(resource, "scope"));
  if (scope) board.scope = std::move(*scope);
  SB_ASSIGN_OR_RETURN(std::string id, RequiredName(resource, "orderedEntry", "id"));
  static constexpr std::array<std::string_view, 3> kVerbs = {"set", "increment", "delete"};
  SB_ASSIGN_OR_RETURN(std::string_view verb, OneVerb(op, "ordered entry", kVerbs));
  if (verb == "delete") {
    SB_RETURN_IF_ERROR(OnlyKnownMembers(op, "orderedEntry", verb));
  } else {
    SB_RETURN_IF_ERROR(OnlyKnownMembers(op, "orderedEntry", verb, {"subscore", "metadata"}));
  }
  leaderboard::LeaderboardService& boards = *services.leaderboards;
  CommitOperation out;
  out.resource = CommitResource::kOrderedEntry;
  out.scopes = {ops::scopes::kOrderedWrite};
  out.data_store = board.store;
  Result<store::Staged<leaderboard::OrderedEntry>> staged = Status::Internal("no verb");
  if (verb == "set") {
    SB_ASSIGN_OR_RETURN(int64_t value, RequiredInt64(op, "set"));
    SB_ASSIGN_OR_RETURN(auto extras, DecodeEntryExtras(op));
    staged =
        boards.StageUpdate(board, std::move(id), value, /*allow_missing=*/true, std::move(extras));
  } else if (verb == "increment") {
    SB_ASSIGN_OR_RETURN(int64_t amount, RequiredInt64(op, "increment"));
    SB_ASSIGN_OR_RETURN(auto extras, DecodeEntryExtras(op));
    staged = boards.StageIncrement(board, std::move(id), amount, std::move(extras));
  } else {
    SB_ASSIGN_OR_RETURN(Json body, VerbObject(op, verb));
    SB_RETURN_IF_ERROR(RefuseUnknownMembers(body, verb, {}));
    // As v2's DELETE: a missing entry is 404.
    staged = boards.StageDelete(board, std::move(id), /*missing_ok=*/false);
  }
  SB_RETURN_IF_ERROR(staged.status());
  const bool answers_entry = verb != "delete";
  out.stage = Rendered<leaderboard::OrderedEntry>(
      std::move(staged).value(), [writer = OrderedEntryWriter("ordered-data-stores", board),
                                  answers_entry](const leaderboard::OrderedEntry& e) {
        return answers_entry ? writer.Entry(e) : std::string("{}");
      });
  return out;
}

Result<CommitOperation> SortedMapOperation(const Json& op, const Json& resource, int64_t universe,
                                           const Services& services) {
  memstore::SortedMapName name;
  name.universe = universe;
  SB_ASSIGN_OR_RETURN(name.map, RequiredName(resource, "sortedMapItem", "map"));
  SB_ASSIGN_OR_RETURN(std::string id, RequiredName(resource, "sortedMapItem", "id"));
  static constexpr std::array<std::string_view, 3> kVerbs = {"create", "update", "delete"};
  SB_ASSIGN_OR_RETURN(std::string_view verb, OneVerb(op, "sorted map item", kVerbs));
  SB_RETURN_IF_ERROR(OnlyKnownMembers(op, "sortedMapItem", verb));
  SB_ASSIGN_OR_RETURN(Json body, VerbObject(op, verb));
  if (verb == "create") {
    SB_RETURN_IF_ERROR(RefuseUnknownMembers(body, verb,
                                            {"value", "ttl", "numericSortKey", "stringSortKey"},
                                            /*ignore_case=*/true));
  } else if (verb == "update") {
    SB_RETURN_IF_ERROR(RefuseUnknownMembers(
        body, verb, {"value", "ttl", "numericSortKey", "stringSortKey", "etag", "allowMissing"},
        /*ignore_case=*/true));
  } else {
    SB_RETURN_IF_ERROR(RefuseUnknownMembers(body, verb, {"etag"}, /*ignore_case=*/true));
  }
  memstore::SortedMapService& maps = *services.sorted_maps;
  CommitOperation out;
  out.resource = CommitResource::kSortedMapItem;
  out.scopes = {ops::scopes::kMapWrite};
  Result<store::Staged<memstore::SortedMapItem>> staged = Status::Internal("no verb");
  if (verb == "create") {
    SB_ASSIGN_OR_RETURN(auto write, DecodeItemWrite(body));
    staged = maps.StageCreate(name, std::move(id), std::move(write));
  } else if (verb == "update") {
    SB_ASSIGN_OR_RETURN(auto etag, core::GetOptionalString(body, "etag", /*ignore_case=*/true));
    SB_ASSIGN_OR_RETURN(auto allow_missing, core::GetOptionalBool(body, "allowMissing", true));
    SB_ASSIGN_OR_RETURN(auto write, DecodeItemWrite(body));
    staged = maps.StageUpdate(name, std::move(id), std::move(write), std::move(etag),
                              allow_missing.value_or(false));
  } else {
    SB_ASSIGN_OR_RETURN(auto etag, core::GetOptionalString(body, "etag", /*ignore_case=*/true));
    staged = maps.StageDelete(name, std::move(id), std::move(etag));
  }
  SB_RETURN_IF_ERROR(staged.status());
  const bool answers_item = verb != "delete";
  out.stage = Rendered<memstore::SortedMapItem>(
      std::move(staged).value(), [name, answers_item](const memstore::SortedMapItem& item) {
        std::string json = "{}";
        if (answers_item) {
          json.clear();
          AppendSortedMapItem(&json, name, item);
        }
        return json;
      });
  return out;
}

Result<CommitOperation> QueueOperation(const Json& op, const Json& resource, int64_t universe,
                                       const Services& services) {
  memstore::QueueName name;
  name.universe = universe;
  SB_ASSIGN_OR_RETURN(name.queue, RequiredName(resource, "queueItem", "queue"));
  static constexpr std::array<std::string_view, 1> kVerbs = {"add"};
  SB_ASSIGN_OR_RETURN(std::string_view verb, OneVerb(op, "queue item", kVerbs));
  SB_RETURN_IF_ERROR(OnlyKnownMembers(op, "queueItem", verb));
  SB_ASSIGN_OR_RETURN(Json body, VerbObject(op, verb));
  SB_RETURN_IF_ERROR(
      RefuseUnknownMembers(body, verb, {"data", "priority", "ttl"}, /*ignore_case=*/true));
  SB_ASSIGN_OR_RETURN(QueueAdd add, DecodeQueueAdd(body));
  SB_ASSIGN_OR_RETURN(auto staged,
                      services.queues->StageAdd(name, std::move(add.data), add.priority, add.ttl));
  CommitOperation out;
  out.resource = CommitResource::kQueueItem;
  out.scopes = {ops::scopes::kQueueAdd};
  out.stage =
      Rendered<memstore::QueueItem>(std::move(staged), [name](const memstore::QueueItem& i) {
        std::string json;
        AppendQueueItem(&json, name, i);
        return json;
      });
  return out;
}

}  // namespace

Result<CommitOperation> ParseCommitOperation(const Json& operation, int64_t universe,
                                             const Services& services) {
  if (!operation.is_object()) return Status::InvalidArgument("An operation must be an object.");
  using Parser = Result<CommitOperation> (*)(const Json&, const Json&, int64_t, const Services&);
  struct Kind {
    std::string_view member;
    Parser parse;
    std::vector<std::string_view> fields;  // what its resource object may hold
  };
  static const std::array<Kind, 4> kResources = {{
      {"entry", &EntryOperation, {"dataStore", "scope", "id"}},
      {"orderedEntry", &OrderedOperation, {"store", "scope", "id"}},
      {"sortedMapItem", &SortedMapOperation, {"map", "id"}},
      {"queueItem", &QueueOperation, {"queue"}},
  }};
  const Json* resource = nullptr;
  const Kind* kind = nullptr;
  for (const Kind& candidate : kResources) {
    const Json* found = core::FindMember(operation, candidate.member);
    if (found == nullptr) continue;
    if (resource != nullptr) {
      return Status::InvalidArgument(
          "An operation names one resource: entry, orderedEntry, "
          "sortedMapItem or queueItem.");
    }
    resource = found;
    kind = &candidate;
  }
  if (resource == nullptr) {
    return Status::InvalidArgument(
        "An operation needs a resource: entry, orderedEntry, sortedMapItem or queueItem.");
  }
  if (!resource->is_object()) {
    return Status::InvalidArgument("The operation's resource must be an object.");
  }
  // As for the operation's own members: a misspelt "Scope" or a "season" the resource does not
  // take must not write somewhere else unnoticed (the global scope, the live season).
  SB_RETURN_IF_ERROR(RefuseUnknownMembers(*resource, kind->member, kind->fields));
  return kind->parse(operation, *resource, universe, services);
}

}  // namespace strongbox::api
