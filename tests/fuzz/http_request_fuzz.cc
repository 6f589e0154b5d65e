// Fuzz target: the HTTP request path of http::Session, minus the socket: raw bytes through
// Beast's request_parser with the server's default header and body limits (config::Config), then
// the session's translation into an http::Request, ParseTarget, and the real route table.
//
// Checks: a parse never exceeds the limits (headers within twice header_limit_bytes, see
// below; body within body_limit_bytes); every parsed request is answered by a handler (200) or by
// the router (400, 404, 405), with the captures the route's pattern promises (fuzz_router).

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_router.h"
#include "http/message.h"
#include "http/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox;
  namespace bhttp = boost::beast::http;
  static const config::Config defaults;
  // As app/ hands them to the server.
  const auto body_limit = static_cast<uint64_t>(defaults.body_limit_bytes);
  const auto header_limit = static_cast<uint32_t>(defaults.header_limit_bytes);

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(header_limit);
  parser.body_limit(body_limit);
  parser.eager(true);
  boost::beast::error_code ec;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  size_t header_bytes = 0;
  while (!ec && !parser.is_done() && !rest.empty()) {
    const bool had_header = parser.is_header_done();
    const size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (!had_header && parser.is_header_done()) header_bytes = size - rest.size() + used;
    rest.remove_prefix(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      if (used == 0) break;
    }
  }
  // The peer closed the connection here: as in Beast's read, an idle connection ends the
  // stream, a started message is cut short (or, without a length, ends here).
  if (!ec && !parser.is_done()) {
    if (!parser.got_some()) return 0;
    parser.put_eof(ec);
  }
  if (ec) return 0;

  // Beast 1.81 applies header_limit to the start line and to the fields each, not to their sum
  // as its documentation says: a header may reach twice the limit (but no more).
  FUZZ_CHECK(parser.is_header_done() && header_bytes <= 2 * uint64_t{header_limit});
  auto& wire = parser.get();
  FUZZ_CHECK(wire.body().size() <= body_limit);

  // http::Session::Run from here on.
  http::Request request = http::RequestFromWire(std::move(wire));
  if (!http::ParseTarget(request.target, &request.path, &request.query)) return 0;
  (void)fuzz::RouteRequest(request);
  return 0;
}
