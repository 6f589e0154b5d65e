#include "api/entry_json.h"

#include "core/strings.h"
#include "core/time_format.h"
#include "datastore/revision_id.h"

namespace strongbox::api {

using core::Json;
using core::Status;

namespace {}  // namespace

std::optional<int64_t> ParseUserRef(std::string_view text) {
  if (text.substr(0, 6) == "users/") text.remove_prefix(6);
  auto id = core::ParseInt64(text);
  if (!id || *id <= 0) return std::nullopt;
  return id;
}

core::Result<std::optional<std::vector<int64_t>>> DecodeOptionalUsers(const Json& body) {
  const Json* users = core::FindMember(body, "users");
  std::vector<int64_t> out;
  if (users == nullptr || users->is_null()) return std::optional<std::vector<int64_t>>();
  if (!users->is_array()) {
    return Status::InvalidArgument("Field 'users' must be an array like [\"users/123\"].");
  }
  for (const auto& u : *users) {
    std::optional<int64_t> id;
    if (auto n = core::JsonToInt64(u, "user id"); u.is_number() && n.ok()) {
      id = *n;
    } else if (u.is_string()) {
      id = ParseUserRef(u.get_ref<const std::string&>());
    }
    if (!id || *id <= 0) {
      return Status::InvalidArgument("Each user must look like \"users/123\" (a positive id).");
    }
    out.push_back(*id);
  }
  return std::optional<std::vector<int64_t>>(std::move(out));
}

core::Result<std::optional<std::string>> DecodeOptionalAttributes(const Json& body) {
  const Json* attributes = core::FindMember(body, "attributes");
  if (attributes == nullptr || attributes->is_null()) return std::optional<std::string>();
  if (!attributes->is_object()) {
    return Status::InvalidArgument("Field 'attributes' must be a JSON object.");
  }
  return std::optional<std::string>(core::DumpCompact(*attributes));
}

core::Status RefuseConsumeMessages(const Json& body, std::string_view call) {
  if (core::FindMember(body, "consumeMessages") == nullptr) return Status::Ok();
  return Status::InvalidArgument(
      "consumeMessages is taken by :patch (and a :commit entry patch), not by " +
      std::string(call) + ".");
}

core::Result<datastore::EntryWrite> DecodeEntryWrite(const Json& body) {
  datastore::EntryWrite w;
  const Json* value = core::FindMember(body, "value");
  if (value == nullptr) return Status::InvalidArgument("Field 'value' is required.");
  SB_RETURN_IF_ERROR(RefuseConsumeMessages(body, "a create or update"));
  w.value = core::DumpCompact(*value);
  SB_ASSIGN_OR_RETURN(auto users, DecodeOptionalUsers(body));
  SB_ASSIGN_OR_RETURN(auto attributes, DecodeOptionalAttributes(body));
  w.users = users.value_or(std::vector<int64_t>());
  w.attributes = attributes.value_or("{}");
  return w;
}

std::string EntryPath(const datastore::EntryName& name, bool scoped) {
  std::string path = "universes/" + std::to_string(name.universe) + "/data-stores/" +
                     core::PercentEncodeSegment(name.data_store);
  if (scoped) path += "/scopes/" + core::PercentEncodeSegment(name.scope);
  return path + "/entries/" + core::PercentEncodeSegment(name.key);
}

std::string EntryResourceJson(const datastore::EntryName& name, bool scoped,
                              const datastore::EntryRecord& record) {
  const std::string revision = datastore::FormatRevisionId(record);
  std::string out;
  out.reserve(record.value.size() + record.attributes.size() + 320);
  out += "{\"path\":";
  core::AppendJsonString(&out, EntryPath(name, scoped));
  out += ",\"createTime\":\"" + core::FormatRfc3339(record.create_time);
  out += "\",\"revisionId\":\"" + revision;
  out += "\",\"revisionCreateTime\":\"" + core::FormatRfc3339(record.revision_time);
  out += record.deleted ? "\",\"state\":\"DELETED" : "\",\"state\":\"ACTIVE";
  out += "\",\"etag\":\"" + revision + "\"";
  if (!record.deleted) {
    out += ",\"value\":";
    out += record.value;
  }
  out += ",\"id\":";
  core::AppendJsonString(&out, name.key);
  out += ",\"users\":[";
  for (size_t i = 0; i < record.users.size(); ++i) {
    if (i > 0) out += ',';
    out += "\"users/" + std::to_string(record.users[i]) + "\"";
  }
  out += "],\"attributes\":";
  out += record.attributes.empty() ? std::string("{}") : record.attributes;
  // [SB] api.md §11: the server holding the entry sees new mail in any read or write answer.
  if (record.pending_messages > 0) {
    out += ",\"pendingMessages\":" + std::to_string(record.pending_messages);
  }
  out += '}';
  return out;
}

Json RevisionListItem(const datastore::EntryName& name, bool scoped,
                      const datastore::EntryRecord& record) {
  const std::string revision = datastore::FormatRevisionId(record);
  Json j;
  j["path"] = EntryPath(name, scoped) + "@" + revision;
  j["createTime"] = core::FormatRfc3339(record.create_time);
  j["revisionId"] = revision;
  j["revisionCreateTime"] = core::FormatRfc3339(record.revision_time);
  j["state"] = record.deleted ? "DELETED" : "ACTIVE";
  j["etag"] = revision;
  j["id"] = name.key + "@" + revision;
  return j;
}

Status DecodePatchOptions(const core::Json& object, datastore::EntryService::PatchRequest* patch) {
  SB_ASSIGN_OR_RETURN(patch->etag, core::GetOptionalString(object, "etag"));
  SB_ASSIGN_OR_RETURN(auto allow_missing, core::GetOptionalBool(object, "allowMissing"));
  patch->allow_missing = allow_missing.value_or(false);
  if (const core::Json* initial = core::FindMember(object, "initialValue")) {
    patch->initial_value = core::DumpCompact(*initial);
  }
  SB_ASSIGN_OR_RETURN(patch->users, DecodeOptionalUsers(object));
  SB_ASSIGN_OR_RETURN(patch->attributes, DecodeOptionalAttributes(object));
  if (const core::Json* consume = core::FindMember(object, "consumeMessages");
      consume != nullptr && !consume->is_null()) {
    const Status bad =
        Status::InvalidArgument("Field 'consumeMessages' must be an array of message ids.");
    if (!consume->is_array()) return bad;
    for (const core::Json& id : *consume) {
      if (!id.is_string()) return bad;
      patch->consume_messages.push_back(id.get<std::string>());
    }
  }
  return Status::Ok();
}

}  // namespace strongbox::api
