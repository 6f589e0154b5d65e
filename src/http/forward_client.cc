#include "http/forward_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <charconv>
#include <iterator>
#include <mutex>

#include "core/strings.h"

namespace strongbox::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::as_tuple;
using asio::use_awaitable;

struct ForwardClient::Connection {
  explicit Connection(asio::any_io_executor executor) : stream(std::move(executor)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
};

namespace {

struct Peer {
  std::string host;
  std::string port;
};

core::Result<Peer> ParseBaseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return core::Status::InvalidArgument("peer URL '" + std::string(url) +
                                         "' is not http://host:port");
  }
  std::string_view rest = url.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find('/') != std::string_view::npos) {
    return core::Status::InvalidArgument("peer URL '" + std::string(url) +
                                         "' is not http://host:port");
  }
  std::string_view host = rest.substr(0, colon);
  // An IPv6 literal is written in brackets (RFC 3986 §3.2.2); the resolver takes it without.
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return Peer{std::string(host), std::string(rest.substr(colon + 1))};
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and the ones Beast sets from the message itself.
bool HopByHop(std::string_view name) {
  for (std::string_view h : {"connection", "keep-alive", "proxy-connection", "te", "trailer",
                             "transfer-encoding", "upgrade", "content-length", "host", "expect"}) {
    if (core::EqualsIgnoreCase(name, h)) return true;
  }
  return false;
}

core::Status PeerUnavailable(const std::string& url, const std::string& what) {
  return core::Status::Unavailable("The node that owns this data (" + url +
                                   ") could not be reached: " + what + ". Retry in a moment.")
      .WithReason("PARTITION_MOVING")
      .WithMetadata("retryAfterSeconds", "1");
}

// The watch over one request sent with a `still_wanted` check (ForwardClient::Send). It lives
// on the request's own single-threaded io_context, so `done` needs no lock.
struct Watch {
  explicit Watch(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  bool done = false;       // the request finished: the stream may be gone, touch nothing
  bool abandoned = false;  // the watch cancelled the request's operations
};

// Asks `still_wanted` every `every`; after two falses running, cancels the operations on
// `stream`, and again at every later tick until the request is done: a cancel can be lost (a
// range connect moves on to the name's next address; a composed read's completed step starts
// the next one uncancelled). `stream` is only touched while the request is not done (Send
// marks it done, and cancels the timer, before its connection can go).
asio::awaitable<void> WatchRequest(std::shared_ptr<Watch> watch, beast::tcp_stream* stream,
                                   std::function<bool()> still_wanted,
                                   std::chrono::milliseconds every) {
  int unwanted = 0;
  while (!watch->done) {
    watch->timer.expires_after(every);
    co_await watch->timer.async_wait(as_tuple(use_awaitable));
    if (watch->done) co_return;
    if (!watch->abandoned) unwanted = still_wanted() ? 0 : unwanted + 1;
    if (unwanted >= 2) {
      watch->abandoned = true;
      stream->cancel();
    }
  }
}

// Ends the watch when the request ends, whichever way it returns.
struct EndWatch {
  std::shared_ptr<Watch> watch;
  void End() {
    if (watch == nullptr) return;
    watch->done = true;
    watch->timer.cancel();
    watch.reset();
  }
  ~EndWatch() { End(); }
};

}  // namespace

ForwardClient::ForwardClient(Options options) : options_(options) {}
ForwardClient::~ForwardClient() = default;

ForwardClient::Stats ForwardClient::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void ForwardClient::CloseIdle() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

namespace {
// A pooled connection is fit to send on only if nothing arrived while it was idle: bytes (a
// stray answer a misbehaving peer sent after the one read, which the next request would take
// for its own) or an end of stream (the peer closed it while idle, as servers do after their
// keep-alive timeout: a request sent on it would fail for nothing). One non-blocking peek on the
// descriptor (MSG_DONTWAIT), which leaves the socket's own mode, and so asio's, as it was.
bool Idle(beast::tcp_stream& stream, const beast::flat_buffer& buffer) {
  if (buffer.size() > 0) return false;
  char byte = 0;
  const ssize_t peeked = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // alive and silent
}
}  // namespace

namespace {

// One name being resolved: shared by the waiting request and the resolver's answer, which may
// come after the request gave up (the resolver cannot be interrupted inside getaddrinfo).
struct PendingResolve {
  explicit PendingResolve(const asio::any_io_executor& executor)
      : resolver(executor), answered_or_deadline(executor) {}
  asio::ip::tcp::resolver resolver;
  asio::steady_timer answered_or_deadline;      // cancelled by the answer
  std::mutex mu;                                // the answer may come on another thread (a seam's)
  bool answered = false;                        // guarded by mu
  boost::system::error_code error;              // guarded by mu
  ForwardClient::Options::Endpoints endpoints;  // guarded by mu
};

}  // namespace

asio::awaitable<core::Result<ForwardClient::Options::Endpoints>> ForwardClient::Resolve(
    const std::string& host, const std::string& port) {
  uint16_t port_number = 0;
  const auto [end, parsed] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (parsed != std::errc() || end != port.data() + port.size()) {
    co_return core::Status::InvalidArgument("the port '" + port + "' is not a number");
  }
  boost::system::error_code not_an_address;
  const asio::ip::address address = asio::ip::make_address(host, not_an_address);
  if (!not_an_address) co_return Options::Endpoints{asio::ip::tcp::endpoint(address, port_number)};

  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  auto pending = std::make_shared<PendingResolve>(executor);
  pending->answered_or_deadline.expires_after(options_.timeout);
  auto answer = [pending, executor](boost::system::error_code error, Options::Endpoints endpoints) {
    {
      std::lock_guard<std::mutex> lock(pending->mu);
      pending->answered = true;
      pending->error = error;
      pending->endpoints = std::move(endpoints);
    }
    // The timer is only touched on the request's own thread.
    asio::post(executor, [pending] { pending->answered_or_deadline.cancel(); });
  };
  if (options_.resolve) {
    options_.resolve(host, port, std::move(answer));
  } else {
    pending->resolver.async_resolve(
        host, port, asio::ip::resolver_base::numeric_service,
        [answer = std::move(answer)](boost::system::error_code error,
                                     asio::ip::tcp::resolver::results_type results) mutable {
          Options::Endpoints endpoints;
          for (const auto& entry : results) endpoints.push_back(entry.endpoint());
          answer(error, std::move(endpoints));
        });
  }
  co_await pending->answered_or_deadline.async_wait(as_tuple(use_awaitable));
  std::lock_guard<std::mutex> lock(pending->mu);
  if (!pending->answered) {
    pending->resolver.cancel();  // answers operation_aborted once getaddrinfo returns
    co_return core::Status::Unavailable("no answer for '" + host + "' within " +
                                        std::to_string(options_.timeout.count()) + " ms");
  }
  if (pending->error) co_return core::Status::Unavailable(pending->error.message());
  if (pending->endpoints.empty()) co_return core::Status::Unavailable("no address");
  co_return std::move(pending->endpoints);
}

std::unique_ptr<ForwardClient::Connection> ForwardClient::TakeIdle(const PoolKey& key) {
  const auto now = std::chrono::steady_clock::now();
  for (;;) {
    std::unique_ptr<Connection> c;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& pool = idle_[key];
      if (pool.empty()) return nullptr;
      c = std::move(pool.back());
      pool.pop_back();
    }
    // Checked outside the lock: the connection is this caller's alone now.
    if (now - c->idle_since < options_.max_idle && Idle(c->stream, c->buffer)) return c;
    // Too old (the peer may be closing it), closed by the peer, or holding stray bytes:
    // dropped (closed) here.
  }
}

void ForwardClient::GiveBack(const PoolKey& key, std::unique_ptr<Connection> connection) {
  const auto now = std::chrono::steady_clock::now();
  connection->idle_since = now;
  std::vector<std::unique_ptr<Connection>> expired;  // closed after the lock is released
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& pool = idle_[key];
    // The pool is a stack, oldest at the bottom: under steady traffic its top few serve every
    // request, and the ones below (opened in a burst) would wait there, closed by the peer's
    // idle timeout and left in CLOSE_WAIT, until the pool drained. They go once past max_idle.
    auto fresh = std::find_if(pool.begin(), pool.end(), [&](const auto& c) {
      return now - c->idle_since < options_.max_idle;
    });
    expired.assign(std::make_move_iterator(pool.begin()), std::make_move_iterator(fresh));
    pool.erase(pool.begin(), fresh);
    if (pool.size() < options_.max_idle_per_peer) pool.push_back(std::move(connection));
  }
}

asio::awaitable<core::Result<Response>> ForwardClient::Send(
    std::string base_url, const Request& request,
    std::vector<std::pair<std::string, std::string>> extra_headers,
    std::function<bool()> still_wanted) {
  auto peer = ParseBaseUrl(base_url);
  if (!peer.ok()) co_return peer.status();
  auto fail = [this, &base_url](const std::string& what) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.failed;
    }
    return options_.unreachable ? options_.unreachable(base_url, what)
                                : PeerUnavailable(base_url, what);
  };

  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  const PoolKey key{&asio::query(executor, asio::execution::context), base_url};
  std::unique_ptr<Connection> c = TakeIdle(key);
  Options::Endpoints endpoints;
  const bool fresh = c == nullptr;
  if (fresh) {
    c = std::make_unique<Connection>(executor);
    auto resolved = co_await Resolve(peer->host, peer->port);
    if (!resolved.ok()) co_return fail("resolving: " + resolved.status().message());
    if (options_.admit) {
      // Every address, not only the one connected to: a name answering a mix is refused whole.
      for (const auto& endpoint : *resolved) {
        const core::Status admitted =
            options_.admit(peer->host, peer->port, endpoint.address().to_string());
        if (!admitted.ok()) co_return fail(admitted.message());
      }
    }
    endpoints = std::move(*resolved);
  }
  // Declared after `c`, so it ends (on every return) before the connection can go.
  EndWatch watch;
  if (still_wanted) {
    watch.watch = std::make_shared<Watch>(executor);
    asio::co_spawn(executor,
                   WatchRequest(watch.watch, &c->stream, std::move(still_wanted), options_.recheck),
                   asio::detached);
  }
  // What failed, said so when the watch gave the request up rather than the peer failing it.
  auto failed = [&watch, &fail](const std::string& step, const beast::error_code& error) {
    if (watch.watch != nullptr && watch.watch->abandoned) {
      return fail("no answer while " + step +
                  ", and it is no longer where this request must go (its owner changed)");
    }
    return fail(step + ": " + error.message());
  };
  if (fresh) {
    c->stream.expires_after(options_.timeout);
    auto [connect_error, endpoint] =
        co_await c->stream.async_connect(endpoints, as_tuple(use_awaitable));
    if (connect_error) co_return failed("connecting", connect_error);
    c->stream.socket().set_option(asio::ip::tcp::no_delay(true));
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.connections;
  }

  bhttp::request<bhttp::string_body> out;
  out.method_string(request.method);
  out.target(request.target);
  out.version(11);
  for (const auto& [name, value] : request.headers) {
    if (!HopByHop(name)) out.insert(name, value);
  }
  for (const auto& [name, value] : extra_headers) out.set(name, value);
  const bool ipv6 = peer->host.find(':') != std::string::npos;
  out.set(bhttp::field::host, (ipv6 ? "[" + peer->host + "]" : peer->host) + ":" + peer->port);
  out.keep_alive(true);
  out.body() = request.body;
  out.prepare_payload();

  c->stream.expires_after(options_.timeout);
  auto [write_error, written] =
      co_await bhttp::async_write(c->stream, out, as_tuple(use_awaitable));
  if (write_error) co_return failed("sending", write_error);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options_.body_limit_bytes);
  auto [read_error, read] =
      co_await bhttp::async_read(c->stream, c->buffer, parser, as_tuple(use_awaitable));
  const bool cut =
      read_error == bhttp::error::body_limit && options_.status_only && parser.is_header_done();
  if (read_error && !cut) co_return failed("reading the answer", read_error);
  watch.End();  // answered: a cancel now would only break a pooled connection
  c->stream.expires_never();
  if (parser.get().result_int() < 200) {
    co_return fail("an interim answer (" + std::to_string(parser.get().result_int()) + ")");
  }

  auto& in = parser.get();
  Response response;
  response.status = in.result_int();
  for (const auto& field : in) {
    const std::string name = core::ToLowerAscii(field.name_string());
    if (name == "content-type") {
      response.content_type = std::string(field.value());
    } else if (!HopByHop(name) && name != "server" && name != "date") {
      response.headers.emplace_back(name, std::string(field.value()));
    }
  }
  response.body = std::move(in.body());
  // A cut answer's rest is still on the wire; bytes past the answer are not this request's.
  const bool reusable = in.keep_alive() && !cut && c->buffer.size() == 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.sent;
  }
  if (reusable) GiveBack(key, std::move(c));
  co_return response;
}

}  // namespace strongbox::http
