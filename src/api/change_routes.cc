#include "api/change_routes.h"

#include "api/paging.h"
#include "api/request_fields.h"
#include "core/json_util.h"
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

namespace {

constexpr size_t kDefaultPageSize = 100;

// The resource a record names, in the path form its own routes answer with.
std::string ChangePath(int64_t universe, const store::ChangeRecord& r) {
  const std::string u = "universes/" + std::to_string(universe);
  const std::string container = core::PercentEncodeSegment(r.container);
  const std::string id = core::PercentEncodeSegment(r.id);
  if (r.kind == "entry") {
    return u + "/data-stores/" + container + "/scopes/" + core::PercentEncodeSegment(r.scope) +
           "/entries/" + id;
  }
  if (r.kind == "orderedEntry") {
    return u + "/ordered-data-stores/" + container + "/scopes/" +
           core::PercentEncodeSegment(r.scope) + "/entries/" + id;
  }
  // The memory-store routes name their resources from "cloud/v2/" (as Open Cloud does).
  const std::string memory_store = "cloud/v2/" + u + "/memory-store/";
  if (r.kind == "sortedMapItem") return memory_store + "sorted-maps/" + container + "/items/" + id;
  if (r.kind == "hashMapItem") return memory_store + "hash-maps/" + container + "/items/" + id;
  if (r.kind == "queueItem") return memory_store + "queues/" + container + "/items/" + id;
  return u + "/session-locks/" + id;
}

Json ChangeJson(int64_t universe, const store::ChangeRecord& r) {
  Json j = {{"sequence", std::to_string(r.sequence)}, {"time", core::FormatRfc3339(r.time)}};
  if (r.transaction != 0) j["transactionId"] = std::to_string(r.transaction);
  j["kind"] = r.kind;
  j["path"] = ChangePath(universe, r);
  j["operation"] = r.operation;
  if (!r.revision.empty()) {
    // Entries have revisions, memory-store items etags, locks fencing tokens.
    const char* field = r.operation == "sendMessage" ? "messageId"
                        : r.kind == "entry"          ? "revisionId"
                        : r.kind == "sessionLock"    ? "fencingToken"
                                                     : "etag";
    j[field] = r.revision;
  }
  Json writer = {{"apiKeyId", r.writer.api_key_id.empty() ? "strongbox" : r.writer.api_key_id}};
  if (!r.writer.label.empty()) writer["label"] = r.writer.label;
  j["writer"] = std::move(writer);
  return j;
}

Json OptionalTime(const std::optional<core::Timestamp>& t) {
  return t ? Json(core::FormatRfc3339(*t)) : Json(nullptr);
}

// A webhook's delivery as this node's deliverer sees it (proto-docs/changes.md "Webhooks").
Json DeliveryJson(const std::optional<changes::DeliveryState>& d) {
  if (!d) {
    // No worker here (yet): a subscription created a moment ago, or one another node delivers.
    return {{"state", "notStarted"}};
  }
  return {{"state", d->state},
          {"deliveredBatches", std::to_string(d->delivered_batches)},
          {"deliveredChanges", std::to_string(d->delivered_changes)},
          {"failedAttempts", std::to_string(d->failed_attempts)},
          {"consecutiveFailures", d->consecutive_failures},
          {"lastStatusCode", d->last_status_code},
          {"lastError", d->last_error},
          {"lastAttemptTime", OptionalTime(d->last_attempt_time)},
          {"lastSuccessTime", OptionalTime(d->last_success_time)},
          {"nextAttemptTime", OptionalTime(d->next_attempt_time)}};
}

// `webhooks` null: no delivery state (the deliverer is not running). The secret is never
// rendered here: Create adds it to its own answer, once.
Json SubscriptionJson(int64_t universe, const changes::Subscription& s,
                      const changes::WebhookDeliverer* webhooks) {
  Json j = {{"path", "universes/" + std::to_string(universe) + "/subscriptions/" + s.id},
            {"id", s.id},
            {"filter", s.filter.ToString()},
            {"cursor", std::to_string(s.cursor)},
            {"createTime", core::FormatRfc3339(s.create_time)},
            {"ackTime", core::FormatRfc3339(s.ack_time)}};
  if (!s.delivery_url.empty()) {
    j["deliveryUrl"] = s.delivery_url;
    j["delivery"] =
        DeliveryJson(webhooks != nullptr ? webhooks->StateOf(universe, s.id) : std::nullopt);
  }
  return j;
}

std::string PageJson(int64_t universe, const changes::FeedPage& page) {
  std::string body = "{\"changes\":[";
  for (size_t i = 0; i < page.changes.size(); ++i) {
    if (i > 0) body += ',';
    body += core::DumpCompact(ChangeJson(universe, page.changes[i]));
  }
  body += "],\"nextPageToken\":\"" + std::to_string(page.next) + "\"}";
  return body;
}

// A sequence in a body or query: a decimal string or number, or "latest" (nullopt).
Result<std::optional<uint64_t>> SequenceValue(const Json& value, std::string_view what) {
  if (value.is_string() && value.get<std::string>() == "latest") return std::optional<uint64_t>();
  if (auto n = core::JsonToUint64(value)) return std::optional<uint64_t>(*n);
  return Status::InvalidArgument(std::string(what) +
                                 " must be a sequence number (a change's \"sequence\") or "
                                 "\"latest\".");
}

changes::ChangeFeed* FeedOrOff(const Services& services, Status* off) {
  if (services.changes == nullptr) {
    *off = Status::FailedPrecondition(
               "The change log is off on this server (change_log = off); it records no changes.")
               .WithReason("CHANGE_LOG_OFF");
  }
  return services.changes;
}

// An RFC 3339 time query parameter; nullopt when absent.
Result<std::optional<core::Timestamp>> QueryTime(const Request& request, std::string_view name) {
  auto text = request.Query(name);
  if (!text) return std::optional<core::Timestamp>();
  auto t = core::ParseRfc3339(*text);
  if (!t.ok()) {
    return Status::InvalidArgument("Query parameter '" + std::string(name) +
                                   "' must be an RFC 3339 time such as 2026-12-01T10:00:00Z.");
  }
  return std::optional<core::Timestamp>(*t);
}

// An EventSource sends exactly `Accept: text/event-stream`; a client that also accepts JSON
// gets JSON.
bool WantsEventStream(const Request& request) {
  auto accept = request.Header("accept");
  return accept && accept->find("text/event-stream") != std::string_view::npos &&
         accept->find("application/json") == std::string_view::npos;
}

// How long an event-stream read waits when the URL does not say: an EventSource reconnects as
// soon as a response ends, so an answer at once would make it poll.
constexpr std::chrono::seconds kEventStreamWait{25};

class ChangeRoutes {
 public:
  explicit ChangeRoutes(const Services& services) : services_(services) {}

  asio::awaitable<Result<Response>> Read(Request& request) {
    Status off;
    changes::ChangeFeed* feed = FeedOrOff(services_, &off);
    if (feed == nullptr) co_return off;
    SB_CO_ASSIGN_OR_RETURN(const int64_t universe, ParseUniverseId(request.Param("universe")));
    const bool stream = WantsEventStream(request);
    SB_CO_ASSIGN_OR_RETURN(const std::optional<std::string_view> cursor,
                           CursorText(request, stream));
    SB_CO_ASSIGN_OR_RETURN(changes::ChangeFilter filter,
                           changes::ParseChangeFilter(request.Query("filter").value_or("")));
    SB_CO_ASSIGN_OR_RETURN(filter.start, QueryTime(request, "startTime"));
    SB_CO_ASSIGN_OR_RETURN(filter.end, QueryTime(request, "endTime"));
    SB_CO_ASSIGN_OR_RETURN(const size_t page_size, PageSize(request, *feed));
    SB_CO_ASSIGN_OR_RETURN(auto wait, QueryDuration(request, "waitTime"));
    if (!wait && stream)
      wait = std::min<std::chrono::nanoseconds>(kEventStreamWait, feed->limits().max_wait);
    // No cursor: from the oldest record kept. Pruning may raise the floor between reading it
    // and the scan; that reader missed nothing, so it starts again from the new floor.
    for (int attempt = 0;; ++attempt) {
      SB_CO_ASSIGN_OR_RETURN(const uint64_t start_after, StartAfter(cursor, *feed, universe));
      Result<changes::FeedPage> page =
          co_await feed->Read(universe, start_after, filter, page_size,
                              wait.value_or(std::chrono::nanoseconds::zero()));
      if (!page.ok() && !cursor && attempt < 3 && page.status().reason() == "CHANGES_EXPIRED") {
        continue;
      }
      SB_CO_RETURN_IF_ERROR(page.status());
      if (stream) co_return EventStream(universe, *page);
      co_return http::JsonResponse(200, PageJson(universe, *page));
    }
  }

  // POST …/subscriptions {"id","filter"?,"startAfter"?}; the id may come as ?id= instead.
  asio::awaitable<Result<Response>> Create(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(changes::Subscriptions * subscriptions, Subscriptions());
    SB_CO_ASSIGN_OR_RETURN(const int64_t universe, ParseUniverseId(request.Param("universe")));
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(auto id, core::GetOptionalString(body, "id"));
    if (auto query = request.Query("id")) {
      // Two different ids for one subscription: neither may be guessed at (the one created
      // would not be the one the caller goes on to read).
      if (id && *id != *query) {
        co_return Status::InvalidArgument("Field 'id' (\"" + *id + "\") and the query's id (\"" +
                                          std::string(*query) +
                                          "\") differ: give one, or the same.");
      }
      if (!id) id = std::string(*query);
    }
    if (!id) co_return Status::InvalidArgument("Field 'id' is required.");
    SB_CO_ASSIGN_OR_RETURN(auto delivery_url, core::GetOptionalString(body, "deliveryUrl"));
    SB_CO_ASSIGN_OR_RETURN(auto filter_text, core::GetOptionalString(body, "filter"));
    SB_CO_ASSIGN_OR_RETURN(changes::ChangeFilter filter,
                           changes::ParseChangeFilter(filter_text.value_or("")));
    std::optional<uint64_t> start_after;
    if (const Json* start = core::FindMember(body, "startAfter");
        start != nullptr && !start->is_null()) {
      SB_CO_ASSIGN_OR_RETURN(start_after, SequenceValue(*start, "Field 'startAfter'"));
    }
    // The secret is answered here only (like an API key's): an Idempotency-Key replay of this
    // create answers it again, to the same caller.
    auto respond = Responder(write, universe, /*with_secret=*/true);
    SB_CO_ASSIGN_OR_RETURN(
        changes::Subscription created,
        co_await subscriptions->Create(universe, std::move(*id), std::move(filter), start_after,
                                       delivery_url.value_or(""), respond.context()));
    co_return respond(created);
  }

  asio::awaitable<Result<Response>> Get(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(changes::Subscriptions * subscriptions, Subscriptions());
    SB_CO_ASSIGN_OR_RETURN(const int64_t universe, ParseUniverseId(request.Param("universe")));
    SB_CO_ASSIGN_OR_RETURN(
        changes::Subscription s,
        subscriptions->Get(universe, std::string(request.Param("subscription"))));
    co_return http::JsonResponse(
        200, core::DumpCompact(SubscriptionJson(universe, s, services_.webhooks)));
  }

  asio::awaitable<Result<Response>> List(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(changes::Subscriptions * subscriptions, Subscriptions());
    SB_CO_ASSIGN_OR_RETURN(const int64_t universe, ParseUniverseId(request.Param("universe")));
    SB_CO_ASSIGN_OR_RETURN(const size_t page_size, QueryPageSize(request, "maxPageSize", 100, 100));
    const std::string token_query = TokenQuery({"subscriptions", std::to_string(universe)});
    SB_CO_ASSIGN_OR_RETURN(auto after, ResumeAfter(request, "pageToken", token_query));
    SB_CO_ASSIGN_OR_RETURN(changes::SubscriptionPage page,
                           subscriptions->List(universe, after, page_size));
    Json list = Json::array();
    for (const changes::Subscription& s : page.subscriptions) {
      list.push_back(SubscriptionJson(universe, s, services_.webhooks));
    }
    Json out = {{"subscriptions", std::move(list)},
                {"nextPageToken", NextToken(page.next_after, token_query)}};
    co_return http::JsonResponse(200, core::DumpCompact(out));
  }

  asio::awaitable<Result<Response>> Delete(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(changes::Subscriptions * subscriptions, Subscriptions());
    SB_CO_ASSIGN_OR_RETURN(const int64_t universe, ParseUniverseId(request.Param("universe")));
    auto respond = write.Respond<changes::Subscription>(
        [](const changes::Subscription&) { return http::JsonResponse(200, "{}"); });
    SB_CO_ASSIGN_OR_RETURN(
        changes::Subscription deleted,
        co_await subscriptions->Delete(universe, std::string(request.Param("subscription")),
                                       respond.context()));
    co_return respond(deleted);
  }

  // POST …/subscriptions/{id}:ack {"sequence":"N"|"latest"}
  asio::awaitable<Result<Response>> Ack(Request& request, gate::RequestWrite& write) {
    SB_CO_ASSIGN_OR_RETURN(changes::Subscriptions * subscriptions, Subscriptions());
    SB_CO_ASSIGN_OR_RETURN(const int64_t universe, ParseUniverseId(request.Param("universe")));
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    const Json* sequence_field = core::FindMember(body, "sequence");
    if (sequence_field == nullptr || sequence_field->is_null()) {
      co_return Status::InvalidArgument("Field 'sequence' is required.");
    }
    SB_CO_ASSIGN_OR_RETURN(auto sequence, SequenceValue(*sequence_field, "Field 'sequence'"));
    auto respond = Responder(write, universe);
    SB_CO_ASSIGN_OR_RETURN(
        changes::Subscription acked,
        co_await subscriptions->Ack(universe, std::string(request.Param("subscription")), sequence,
                                    respond.context()));
    co_return respond(acked);
  }

  // GET …/subscriptions/{id}:read?maxPageSize=&waitTime=
  asio::awaitable<Result<Response>> ReadSubscription(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(changes::Subscriptions * subscriptions, Subscriptions());
    SB_CO_ASSIGN_OR_RETURN(const int64_t universe, ParseUniverseId(request.Param("universe")));
    SB_CO_ASSIGN_OR_RETURN(const size_t page_size, PageSize(request, *services_.changes));
    SB_CO_ASSIGN_OR_RETURN(auto wait, QueryDuration(request, "waitTime"));
    SB_CO_ASSIGN_OR_RETURN(
        changes::FeedPage page,
        co_await subscriptions->Read(universe, std::string(request.Param("subscription")),
                                     page_size, wait.value_or(std::chrono::nanoseconds::zero())));
    co_return http::JsonResponse(200, PageJson(universe, page));
  }

 private:
  // The cursor a read names: for an event stream `Last-Event-ID` first (an EventSource
  // reconnects to the same URL, so the URL's startAfter is only where the stream began), then
  // `startAfter`, or `pageToken` (the previous answer's nextPageToken; both given must agree).
  // nullopt: none.
  static Result<std::optional<std::string_view>> CursorText(const Request& request, bool stream) {
    using Text = std::optional<std::string_view>;
    auto given = [&request](std::string_view name) -> Text {
      auto v = request.Query(name);
      return v && !v->empty() ? v : Text();
    };
    if (stream) {
      if (auto last = request.Header("last-event-id"); last && !last->empty()) return Text(last);
    }
    const Text start_after = given("startAfter");
    const Text page_token = given("pageToken");
    if (start_after && page_token && *start_after != *page_token) {
      return Status::InvalidArgument("Give startAfter or pageToken, not two different cursors.");
    }
    return start_after ? start_after : page_token;
  }

  // The page size: maxPageSize, else 100, never past changes_max_page_size.
  static Result<size_t> PageSize(const Request& request, const changes::ChangeFeed& feed) {
    const size_t max = feed.limits().max_page_size;
    return QueryPageSize(request, "maxPageSize", std::min(kDefaultPageSize, max), max);
  }

  // A cursor's sequence: a number, or "latest" for only what commits from now on; none: from
  // the oldest record kept.
  static Result<uint64_t> StartAfter(std::optional<std::string_view> text,
                                     const changes::ChangeFeed& feed, int64_t universe) {
    if (!text) {
      SB_ASSIGN_OR_RETURN(changes::FeedBounds bounds, feed.Bounds(universe));
      return bounds.floor - 1;
    }
    if (*text == "latest") {
      SB_ASSIGN_OR_RETURN(changes::FeedBounds bounds, feed.Bounds(universe));
      return bounds.head;
    }
    auto n = core::ParseUint64(*text);
    if (!n) {
      return Status::InvalidArgument(
          "startAfter must be a sequence number (a change's \"sequence\" or a nextPageToken) or "
          "\"latest\".");
    }
    return *n;
  }

  // One read as Server-Sent Events: a message event per change (`id:` its sequence, so the
  // browser's Last-Event-ID resumes after it; `onmessage` receives it), then the response ends
  // and EventSource reconnects after `retry` ms. When the filter skipped records after the
  // last match, an `id:` line without data moves Last-Event-ID on without an event (the HTML
  // standard's dispatch rule: the id is taken, an empty data buffer dispatches nothing).
  static Response EventStream(int64_t universe, const changes::FeedPage& page) {
    Response response;
    response.content_type = "text/event-stream";
    response.SetHeader("Cache-Control", "no-cache");
    std::string& body = response.body;
    body = "retry: 100\n\n";
    for (const store::ChangeRecord& r : page.changes) {
      body += "id: " + std::to_string(r.sequence) +
              "\ndata: " + core::DumpCompact(ChangeJson(universe, r)) + "\n\n";
    }
    if (page.changes.empty() || page.changes.back().sequence != page.next) {
      body += "id: " + std::to_string(page.next) + "\n\n";
    }
    return response;
  }

  Result<changes::Subscriptions*> Subscriptions() const {
    Status off;
    if (FeedOrOff(services_, &off) == nullptr) return off;
    return services_.subscriptions;
  }

  // `with_secret`: the create's answer, the only one that shows a webhook's secret.
  gate::RequestWrite::Responder<changes::Subscription> Responder(gate::RequestWrite& write,
                                                                 int64_t universe,
                                                                 bool with_secret = false) const {
    return write.Respond<changes::Subscription>(
        [universe, with_secret, webhooks = services_.webhooks](const changes::Subscription& s) {
          Json j = SubscriptionJson(universe, s, webhooks);
          if (with_secret && !s.secret.empty()) j["secret"] = s.secret;
          return http::JsonResponse(200, core::DumpCompact(j));
        });
  }

  const Services& services_;
};

}  // namespace

std::string WebhookBody(int64_t universe, const std::string& subscription,
                        std::span<const store::ChangeRecord> changes, uint64_t cursor) {
  std::string body = "{\"subscription\":" +
                     core::DumpCompact(Json("universes/" + std::to_string(universe) +
                                            "/subscriptions/" + subscription)) +
                     ",\"changes\":[";
  for (size_t i = 0; i < changes.size(); ++i) {
    if (i > 0) body += ',';
    body += core::DumpCompact(ChangeJson(universe, changes[i]));
  }
  body += "],\"cursor\":\"" + std::to_string(cursor) + "\"}";
  return body;
}

void RegisterChangeRoutes(gate::RouteTable& table, const Services& services) {
  using gate::RequestWrite;
  using ops::scopes::kChangesRead;
  using ops::scopes::kChangesSubscribe;
  auto routes = std::make_shared<ChangeRoutes>(services);
  auto add = [&table](std::string method, std::string pattern, std::string_view scope,
                      http::Handler read, gate::WriteHandler write = {}) {
    table.Add({.method = std::move(method),
               .pattern = std::move(pattern),
               .scopes = {scope},
               .family = ops::RateFamily::kChanges,
               .read = std::move(read),
               .write = std::move(write)});
  };
  add("GET", "/cloud/v2/universes/{universe}/changes", kChangesRead,
      [routes](Request& r) { return routes->Read(r); });
  const std::string base = "/cloud/v2/universes/{universe}/subscriptions";
  const std::string one = base + "/{subscription}";
  add("POST", base, kChangesSubscribe, {},
      [routes](Request& r, RequestWrite& w) { return routes->Create(r, w); });
  add("GET", base, kChangesRead, [routes](Request& r) { return routes->List(r); });
  add("GET", one, kChangesRead, [routes](Request& r) { return routes->Get(r); });
  add("DELETE", one, kChangesSubscribe, {},
      [routes](Request& r, RequestWrite& w) { return routes->Delete(r, w); });
  add("GET", one + ":read", kChangesRead,
      [routes](Request& r) { return routes->ReadSubscription(r); });
  add("POST", one + ":ack", kChangesSubscribe, {},
      [routes](Request& r, RequestWrite& w) { return routes->Ack(r, w); });
}

}  // namespace strongbox::api
