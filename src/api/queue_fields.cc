#include "api/queue_fields.h"

#include "api/request_fields.h"
#include "core/strings.h"
#include "core/time_format.h"

namespace strongbox::api {

using core::Json;
using core::Result;
using core::Status;
using memstore::QueueItem;
using memstore::QueueName;

std::string QueuePath(const QueueName& name) {
  return "cloud/v2/universes/" + std::to_string(name.universe) + "/memory-store/queues/" +
         core::PercentEncodeSegment(name.queue);
}

void AppendQueueItem(std::string* out, const QueueName& name, const QueueItem& item,
                     std::string_view extra) {
  out->append("{\"path\":");
  core::AppendJsonString(out, QueuePath(name) + "/items/" + item.id);
  out->append(",\"id\":");
  core::AppendJsonString(out, item.id);
  out->append(",\"data\":").append(item.record.data);
  out->append(",\"priority\":").append(core::FormatJsonNumber(item.record.priority));
  out->append(",\"expireTime\":");
  core::AppendJsonString(out, core::FormatRfc3339(item.record.expire_time));
  out->append(extra);
  out->push_back('}');
}

Result<QueueAdd> DecodeQueueAdd(const Json& body) {
  QueueAdd add;
  const Json* data = core::FindMember(body, "data", /*ignore_case=*/true);
  if (data == nullptr) return Status::InvalidArgument("Field 'data' is required.");
  add.data = core::DumpCompact(*data);
  if (const Json* p = core::FindMember(body, "priority", true); p != nullptr && !p->is_null()) {
    if (!p->is_number()) return Status::InvalidArgument("priority must be a number.");
    add.priority = p->get<double>();
  }
  SB_ASSIGN_OR_RETURN(auto ttl, GetOptionalDuration(body, "ttl", /*ignore_case=*/true));
  if (!ttl) return Status::InvalidArgument("Field 'ttl' is required, e.g. \"3600s\".");
  add.ttl = *ttl;
  return add;
}

}  // namespace strongbox::api
