#include "api/queue_routes.h"

#include <memory>

#include "api/memory_store_routes.h"
#include "api/queue_fields.h"
#include "api/request_fields.h"
#include "core/strings.h"
#include "core/time_format.h"
#include "gate/request_write.h"

namespace strongbox::api {

namespace asio = boost::asio;
using core::Json;
using core::Result;
using core::Status;
using http::Request;
using http::Response;
using memstore::QueueInfo;
using memstore::QueueItem;
using memstore::QueueName;
using memstore::QueueRead;

namespace {

Result<QueueName> QueueFromPath(const Request& request) {
  QueueName name;
  SB_ASSIGN_OR_RETURN(name.universe, ParseUniverseId(request.Param("universe")));
  name.queue = request.Param("queue");
  return name;
}

Response ItemResponse(const QueueName& name, const QueueItem& item) {
  std::string body;
  AppendQueueItem(&body, name, item);
  return http::JsonResponse(200, std::move(body));
}

// The contract's double shape: Open Cloud's {"readId","items"} and the older {"id","data"}.
Response ReadResponse(const QueueName& name, const QueueRead& read) {
  std::string body = "{\"readId\":";
  core::AppendJsonString(&body, read.read_id);
  body.append(",\"items\":[");
  for (size_t i = 0; i < read.items.size(); ++i) {
    if (i > 0) body.push_back(',');
    AppendQueueItem(&body, name, read.items[i]);
  }
  body.append("],\"id\":");
  core::AppendJsonString(&body, read.read_id);
  body.append(",\"data\":[");
  for (size_t i = 0; i < read.items.size(); ++i) {
    if (i > 0) body.push_back(',');
    body.append(read.items[i].record.data);
  }
  body.append("]}");
  return http::JsonResponse(200, std::move(body));
}

Response InfoResponse(const QueueName& name, const QueueInfo& info) {
  Json body = {{"path", QueuePath(name)},
               {"id", name.queue},
               {"size", info.size},
               {"invisibleSize", info.invisible_size},
               {"maxDeliveries", info.settings.max_deliveries},
               {"deadLetterQueue", info.settings.dead_letter_queue}};
  return http::JsonResponse(200, core::DumpCompact(body));
}

class QueueRoutes {
 public:
  explicit QueueRoutes(const Services& services) : services_(services) {}

  asio::awaitable<Result<Response>> Add(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(QueueName name, QueueFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(QueueAdd add, DecodeQueueAdd(body));
    auto respond = write.Respond<QueueItem>(
        [name](const QueueItem& item) { return ItemResponse(name, item); });
    SB_CO_ASSIGN_OR_RETURN(QueueItem item,
                           co_await services_.queues->Add(name, std::move(add.data), add.priority,
                                                          add.ttl, respond.context()));
    co_return respond(item);
  }

  asio::awaitable<Result<Response>> Read(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(QueueName name, QueueFromPath(request));
    memstore::QueueService::ReadRequest read;
    SB_CO_ASSIGN_OR_RETURN(auto count, QueryInt64(request, "count"));
    if (count) {
      if (*count < 1 || *count > 200) {
        co_return Status::InvalidArgument("count must be an integer from 1 to 200.");
      }
      read.count = static_cast<size_t>(*count);
    }
    SB_CO_ASSIGN_OR_RETURN(read.all_or_nothing, QueryBool(request, "allOrNothing", false));
    SB_CO_ASSIGN_OR_RETURN(auto window, QueryDuration(request, "invisibilityWindow"));
    SB_CO_ASSIGN_OR_RETURN(auto seconds, QueryInt64(request, "invisibilityTimeoutSeconds"));
    if (seconds) {
      if (*seconds <= 0) {
        co_return Status::InvalidArgument("invisibilityTimeoutSeconds must be a positive integer.");
      }
      window = core::DurationFromSeconds(static_cast<double>(*seconds));
    }
    if (window) read.invisibility = *window;
    SB_CO_ASSIGN_OR_RETURN(auto wait, QueryDuration(request, "waitTime"));
    if (wait) read.wait = *wait;
    SB_CO_ASSIGN_OR_RETURN(read.writer, gate::ParseWriter(request));
    read.watch_client = request.watch_client;
    SB_CO_ASSIGN_OR_RETURN(QueueRead result, co_await services_.queues->Read(name, read));
    co_return ReadResponse(name, result);
  }

  asio::awaitable<Result<Response>> Discard(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(QueueName name, QueueFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(auto read_id, core::GetOptionalString(body, "readId", true));
    if (!read_id) {
      if (auto q = request.Query("readId")) read_id = std::string(*q);
    }
    if (!read_id) co_return Status::InvalidArgument("readId is required (body or query).");
    auto respond =
        write.Respond<QueueRead>([](const QueueRead&) { return http::JsonResponse(200, "{}"); });
    SB_CO_ASSIGN_OR_RETURN(QueueRead discarded,
                           co_await services_.queues->Discard(name, *read_id, respond.context()));
    co_return respond(discarded);
  }

  // [SB] :peek (api.md §5): the items as they stand, each with whether it is inside a read's
  // window and how often it was delivered; nothing about them changes.
  asio::awaitable<Result<Response>> Peek(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(QueueName name, QueueFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(auto count, QueryInt64(request, "count"));
    if (count && (*count < 1 || *count > 200)) {
      co_return Status::InvalidArgument("count must be an integer from 1 to 200.");
    }
    SB_CO_ASSIGN_OR_RETURN(auto items,
                           services_.queues->Peek(name, count ? static_cast<size_t>(*count) : 10));
    const core::Timestamp now = services_.clock->Now();
    std::string body = "{\"items\":[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) body.push_back(',');
      const auto& r = items[i].record;
      std::string extra = ",\"deliveries\":" + std::to_string(r.deliveries);
      extra.append(",\"invisible\":").append(r.invisible_until > now ? "true" : "false");
      if (r.invisible_until > now) {
        extra.append(",\"invisibleUntil\":");
        core::AppendJsonString(&extra, core::FormatRfc3339(r.invisible_until));
      }
      AppendQueueItem(&body, name, items[i], extra);
    }
    body.append("]}");
    co_return http::JsonResponse(200, std::move(body));
  }

  asio::awaitable<Result<Response>> Get(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(QueueName name, QueueFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(QueueInfo info, services_.queues->Info(name));
    co_return InfoResponse(name, info);
  }

  asio::awaitable<Result<Response>> Update(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(QueueName name, QueueFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(auto max, core::GetOptionalInt64(body, "maxDeliveries", true));
    if (max && *max < 0) co_return Status::InvalidArgument("maxDeliveries must be 0 or more.");
    SB_CO_ASSIGN_OR_RETURN(auto dlq, core::GetOptionalString(body, "deadLetterQueue", true));
    auto respond = write.Respond<QueueInfo>(
        [name](const QueueInfo& info) { return InfoResponse(name, info); });
    std::optional<uint64_t> max_deliveries;
    if (max) max_deliveries = static_cast<uint64_t>(*max);
    SB_CO_ASSIGN_OR_RETURN(QueueInfo info, co_await services_.queues->UpdateSettings(
                                               name, max_deliveries, dlq, respond.context()));
    co_return respond(info);
  }

 private:
  const Services& services_;
};

}  // namespace

void RegisterQueueRoutes(gate::RouteTable& table, const Services& services) {
  using gate::RequestWrite;
  using namespace ops::scopes;  // NOLINT: the scope names of api.md §7
  auto routes = std::make_shared<QueueRoutes>(services);
  const std::string queue = "/cloud/v2/universes/{universe}/memory-store/queues/{queue}";
  const std::string items = queue + "/items";
  auto add = [&table](std::string method, std::string pattern, std::string_view scope,
                      http::Handler read, gate::WriteHandler write = {}) {
    AddMemoryStoreRoute(table, std::move(method), std::move(pattern), scope, std::move(read),
                        std::move(write));
  };
  auto add_item = [routes](Request& r, RequestWrite& w) { return routes->Add(r, w); };
  add("POST", items, kQueueAdd, {}, add_item);
  add("POST", items + ":add", kQueueAdd, {}, add_item);
  // A read changes the items' visibility but is a GET in the contract (api.md §5): no
  // Idempotency-Key; a repeat is simply another read.
  add("GET", items + ":read", kQueueDequeue, [routes](Request& r) { return routes->Read(r); });
  add("GET", items + ":peek", kQueueDequeue, [routes](Request& r) { return routes->Peek(r); });
  add("POST", items + ":discard", kQueueDiscard, {},
      [routes](Request& r, RequestWrite& w) { return routes->Discard(r, w); });
  // [SB] queue resource: consumers look at it, producers configure it.
  add("GET", queue, kQueueDequeue, [routes](Request& r) { return routes->Get(r); });
  add("PATCH", queue, kQueueAdd, {},
      [routes](Request& r, RequestWrite& w) { return routes->Update(r, w); });
}

}  // namespace strongbox::api
