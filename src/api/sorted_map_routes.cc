#include "api/sorted_map_routes.h"

#include <cmath>
#include <memory>

#include "api/memory_store_routes.h"
#include "api/paging.h"
#include "api/request_fields.h"
#include "api/sorted_map_fields.h"
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
using memstore::SortedMapItem;
using memstore::SortedMapName;
using memstore::SortedMapService;
using memstore::SortKey;

namespace {

Result<SortedMapName> MapFromPath(const Request& request) {
  SortedMapName name;
  SB_ASSIGN_OR_RETURN(name.universe, ParseUniverseId(request.Param("universe")));
  name.map = request.Param("map");
  return name;
}

// Sorted maps (api.md §5) and hash maps (§10) share one implementation (SortedMapService with
// its MapLayout); a Kind says which collection a set of routes serves.
struct MapKind {
  SortedMapService* service;
  std::string collection;  // the path segment: "sorted-maps" or "hash-maps"
};

Response ItemResponse(const MapKind& kind, const SortedMapName& name, const SortedMapItem& item) {
  std::string body;
  AppendSortedMapItem(&body, name, item, kind.collection);
  return http::JsonResponse(200, std::move(body));
}

class SortedMapRoutes {
 public:
  explicit SortedMapRoutes(MapKind kind) : kind_(std::move(kind)) {}

  asio::awaitable<Result<Response>> List(Request& request) {
    SortedMapService::ListQuery query;
    SB_CO_ASSIGN_OR_RETURN(query.name, MapFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(query.page_size, QueryPageSize(request, "maxPageSize", 1, 100));
    if (!kind_.service->layout().sorted && (request.Query("orderBy") || request.Query("filter"))) {
      co_return Status::InvalidArgument("A hash map lists by id only: no orderBy or filter.");
    }
    const std::string order(request.Query("orderBy").value_or(""));
    SB_CO_ASSIGN_OR_RETURN(query.descending, ParseSortedMapDescending(order));
    const std::string filter(request.Query("filter").value_or(""));
    SB_CO_RETURN_IF_ERROR(ParseSortedMapFilter(filter, &query));
    const std::string token_query =
        TokenQuery({kind_.service->layout().noun, std::to_string(query.name.universe),
                    query.name.map, query.descending ? "desc" : "asc", filter});
    SB_CO_ASSIGN_OR_RETURN(query.resume_after, ResumeAfter(request, "pageToken", token_query));
    SB_CO_ASSIGN_OR_RETURN(auto page, kind_.service->List(query));
    std::string body = "{\"items\":[";
    for (size_t i = 0; i < page.items.size(); ++i) {
      if (i > 0) body.push_back(',');
      AppendSortedMapItem(&body, query.name, page.items[i], kind_.collection);
    }
    body.append("],\"nextPageToken\":");
    core::AppendJsonString(&body, NextToken(page.next_after, token_query));
    body.push_back('}');
    co_return http::JsonResponse(200, std::move(body));
  }

  asio::awaitable<Result<Response>> Create(Request& request, gate::RequestWrite& request_write) {
    SB_CO_ASSIGN_OR_RETURN(SortedMapName name, MapFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    // The id comes in the query (?id=) or, as some clients send it, in the body.
    std::optional<std::string> id;
    if (auto q = request.Query("id")) id = std::string(*q);
    if (!id) {
      SB_CO_ASSIGN_OR_RETURN(id, core::GetOptionalString(body, "id", /*ignore_case=*/true));
    }
    if (!id)
      co_return Status::InvalidArgument("The item id is required: ?id= or \"id\" in the body.");
    SB_CO_ASSIGN_OR_RETURN(auto write, DecodeItemWrite(body));
    auto respond = ItemResponder(request_write, name);
    SB_CO_ASSIGN_OR_RETURN(
        SortedMapItem item,
        co_await kind_.service->Create(name, std::move(*id), std::move(write), respond.context()));
    co_return respond(item);
  }

  asio::awaitable<Result<Response>> Get(Request& request) {
    SB_CO_ASSIGN_OR_RETURN(SortedMapName name, MapFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(SortedMapItem item, kind_.service->Get(name, request.Param("item")));
    co_return ItemResponse(kind_, name, item);
  }

  asio::awaitable<Result<Response>> Update(Request& request, gate::RequestWrite& request_write) {
    SB_CO_ASSIGN_OR_RETURN(SortedMapName name, MapFromPath(request));
    SB_CO_ASSIGN_OR_RETURN(bool allow_missing, QueryBool(request, "allowMissing", false));
    SB_CO_ASSIGN_OR_RETURN(Json body, JsonObjectBody(request));
    SB_CO_ASSIGN_OR_RETURN(auto etag, core::GetOptionalString(body, "etag", /*ignore_case=*/true));
    if (!etag) {
      if (auto q = request.Query("etag")) etag = std::string(*q);
    }
    SB_CO_ASSIGN_OR_RETURN(auto write, DecodeItemWrite(body));
    auto respond = ItemResponder(request_write, name);
    SB_CO_ASSIGN_OR_RETURN(
        SortedMapItem item,
        co_await kind_.service->Update(name, request.Param("item"), std::move(write),
                                       std::move(etag), allow_missing, respond.context()));
    co_return respond(item);
  }

  asio::awaitable<Result<Response>> Delete(Request& request, gate::RequestWrite& request_write) {
    SB_CO_ASSIGN_OR_RETURN(SortedMapName name, MapFromPath(request));
    std::optional<std::string> etag;
    if (auto q = request.Query("etag")) etag = std::string(*q);
    auto respond = request_write.Respond<SortedMapItem>(
        [](const SortedMapItem&) { return http::JsonResponse(200, "{}"); });
    SB_CO_ASSIGN_OR_RETURN(SortedMapItem item,
                           co_await kind_.service->Delete(name, request.Param("item"),
                                                          std::move(etag), respond.context()));
    co_return respond(item);
  }

 private:
  gate::RequestWrite::Responder<SortedMapItem> ItemResponder(gate::RequestWrite& request_write,
                                                             const SortedMapName& name) const {
    return request_write.Respond<SortedMapItem>(
        [kind = kind_, name](const SortedMapItem& item) { return ItemResponse(kind, name, item); });
  }

  const MapKind kind_;
};

void RegisterMapRoutes(gate::RouteTable& table, MapKind kind, std::string_view read_scope,
                       std::string_view write_scope) {
  using gate::RequestWrite;
  const std::string items =
      "/cloud/v2/universes/{universe}/memory-store/" + kind.collection + "/{map}/items";
  const std::string item = items + "/{item}";
  auto routes = std::make_shared<SortedMapRoutes>(std::move(kind));
  auto add = [&table](std::string method, std::string pattern, std::string_view scope,
                      http::Handler read, gate::WriteHandler write = {}) {
    AddMemoryStoreRoute(table, std::move(method), std::move(pattern), scope, std::move(read),
                        std::move(write));
  };
  add("GET", items, read_scope, [routes](Request& r) { return routes->List(r); });
  add("POST", items, write_scope, {},
      [routes](Request& r, RequestWrite& w) { return routes->Create(r, w); });
  add("GET", item, read_scope, [routes](Request& r) { return routes->Get(r); });
  add("PATCH", item, write_scope, {},
      [routes](Request& r, RequestWrite& w) { return routes->Update(r, w); });
  add("DELETE", item, write_scope, {},
      [routes](Request& r, RequestWrite& w) { return routes->Delete(r, w); });
}

}  // namespace

void RegisterSortedMapRoutes(gate::RouteTable& table, const Services& services) {
  RegisterMapRoutes(table, {services.sorted_maps, "sorted-maps"}, ops::scopes::kMapRead,
                    ops::scopes::kMapWrite);
}

void RegisterHashMapRoutes(gate::RouteTable& table, const Services& services) {
  RegisterMapRoutes(table, {services.hash_maps, "hash-maps"}, ops::scopes::kHashMapRead,
                    ops::scopes::kHashMapWrite);
}

}  // namespace strongbox::api
