#pragma once

// Router: maps method + path pattern to a handler (api.md §1 path rules).
//
// Patterns are '/'-separated; a segment is a literal or `{name}`, and the last segment may end
// in a custom method, `{entry}:increment` or `data-stores:snapshot`. Matching works on the raw
// path: empty segments (repeated slashes) are dropped; the custom method is split off at the
// last literal ':' of the raw last segment, so `users%3A42:increment` is entry `users:42`, verb
// `increment`. If no route takes that verb, the whole segment is tried as an id, so an
// unencoded `users:42` still reaches `{entry}`. Captures are percent-decoded. With several
// matches the one with more literal segments wins.
//
// Handlers are coroutines returning Result<Response>, so they can use SB_CO_ASSIGN_OR_RETURN: the
// interceptor turns an error Status into the route's error body (or, without one, the Cloud v2
// body of error_response.h).
// Thread safety: routes are added before serving starts; Dispatch is then safe from any thread.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/error_response.h"
#include "http/message.h"

namespace strongbox::http {

using Handler = std::function<boost::asio::awaitable<core::Result<Response>>(Request&)>;

// What a matched route is, for an Interceptor: its method and its pattern as registered (so
// metrics and access rules can name it).
struct RouteInfo {
  std::string method;
  std::string pattern;
  size_t index = 0;  // position in Routes(): lets an interceptor keep per-route state in a vector
};

// Runs around every matched route: it may answer by itself (e.g. a missing credential) or call
// `next`, and sees the final response (e.g. to count it). It turns an error of `next` into a
// response itself.
using Interceptor = std::function<boost::asio::awaitable<Response>(
    Request& request, const RouteInfo& route, const Handler& next)>;

class Router {
 public:
  void Add(std::string method, std::string_view pattern, Handler handler);

  // REQUIRES: called before serving starts, at most once.
  void SetInterceptor(Interceptor interceptor) { interceptor_ = std::move(interceptor); }

  // Words the error answer of a request no route takes (its status: kNotFound, kInvalidArgument
  // for a malformed escape, kMethodNotAllowed), so it has the body shape of the API family its
  // path belongs to. Null: the Open Cloud shape. REQUIRES: before serving starts.
  using Unrouted = std::function<Response(const Request& request, const core::Status& status)>;
  void SetUnrouted(Unrouted unrouted) { unrouted_ = std::move(unrouted); }

  // Every route added, in order.
  std::vector<RouteInfo> Routes() const;

  // Routes the request (filling params and verb) and runs its handler. Unknown path → 404,
  // known path with another method → 405 METHOD_NOT_ALLOWED with `Allow` naming the methods it
  // takes (RFC 9110 §15.5.6); both as JSON (SetUnrouted).
  boost::asio::awaitable<Response> Dispatch(Request& request) const;

 private:
  struct Segment {
    bool capture = false;
    std::string text;  // literal text, or the capture name
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    std::string verb;  // custom method of the last segment, or empty
    int literals = 0;
    Handler handler;
    RouteInfo info;
  };

  // Fills `params` when `route` matches `segments` with the given verb.
  static bool Matches(const Route& route, const std::vector<std::string_view>& segments,
                      std::string_view last, std::string_view verb,
                      std::map<std::string, std::string>* params,
                      std::map<std::string, std::string>* raw_params, bool* bad_escape);

  std::vector<Route> routes_;
  Interceptor interceptor_;
  Unrouted unrouted_;
};

}  // namespace strongbox::http
