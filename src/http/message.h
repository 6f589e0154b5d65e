#pragma once

// Request and Response: the transport-neutral messages that handlers see and return. The http
// module fills a Request from the wire (Beast) and writes a Response back; handlers never touch
// Beast. Thread safety: plain values.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/client_watch.h"
#include "core/strings.h"

namespace strongbox::http {

// Decoded query parameters by name. Names match case-insensitively (api.md §1: clients send
// `AllScopes`); values are kept as sent.
using QueryParams = std::map<std::string, std::string, core::CaseInsensitiveLess>;

struct Request {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // raw request target, path and query
  std::string path;                                          // raw path (still percent-encoded)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  QueryParams query;  // decoded; names case-insensitive; first occurrence wins
  std::string body;
  // Filled by the router: decoded `{name}` captures and the custom method (":verb"), if any.
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> raw_params;  // the same captures, still percent-encoded
  std::string verb;
  std::string remote_address;
  // Set by the access interceptor once a credential is verified: who is asking (an API key
  // id). Empty on routes that need no credential.
  std::string principal;
  // Set by the access interceptor, on routes that check scopes per operation (a :commit),
  // when the server checks API keys: whether the caller's key grants every scope of `names` on
  // the path's universe (and on `data_store`, when given). Empty: every operation is allowed.
  std::function<bool(std::span<const std::string_view> names,
                     std::optional<std::string_view> data_store)>
      grants;
  // The request id (x-request-id, echoed or generated), for logs and the response header.
  std::string request_id;
  // Set by the HTTP session: starts watching the connection for the client closing it while
  // this request is served, and answers the flag that turns true once it has (on the session's
  // thread), running the callback it is given when that happens (core/client_watch.h). Long
  // polls ask before they sleep, so items and locks are never handed to a wait whose client
  // has gone, and the close wakes them. Null: unknown (an in-process request). Call it only from
  // the request's own handler, while it runs.
  core::WatchClient watch_client;

  // Case-insensitive; nullopt when absent.
  std::optional<std::string_view> Header(std::string_view name) const;
  // nullopt when absent *or empty*: api.md §1 treats `filter=` as no filter.
  std::optional<std::string_view> Query(std::string_view name) const;
  // REQUIRES: the route declared `{name}`.
  const std::string& Param(const std::string& name) const { return params.at(name); }
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetHeader(std::string name, std::string value);
};

// A JSON response with the given already-serialized body.
Response JsonResponse(unsigned status, std::string body);

// Splits a raw target into path and decoded query parameters ('+' is a space in queries).
// False on a malformed percent escape.
bool ParseTarget(std::string_view target, std::string* path, QueryParams* query);

}  // namespace strongbox::http
