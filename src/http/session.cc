#include "http/session.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>

#include "core/strings.h"
#include "http/error_response.h"

namespace strongbox::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::as_tuple;
using asio::use_awaitable;

Session::Session(Server& server, asio::ip::tcp::socket socket, uint64_t id)
    : server_(server),
      socket_(std::move(socket)),
      watchdog_(socket_.get_executor()),
      io_timeout_(server.options_.io_timeout),
      deadline_(std::chrono::steady_clock::time_point::max()),
      id_(id) {}

asio::awaitable<void> Session::Watchdog() {
  auto self = shared_from_this();
  while (!finished_) {
    watchdog_.expires_at(deadline_);
    co_await watchdog_.async_wait(as_tuple(use_awaitable));
    if (!finished_ && deadline_ <= std::chrono::steady_clock::now()) {
      beast::error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      socket_.close(ignored);
      co_return;
    }
  }
}

void Session::Close(bool force) {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this(), force] {
    self->closing_ = true;
    // Force-closed under a long poll: it must not take anything for this connection.
    if (force) self->MarkClientGone();
    if (force || !self->busy_) {
      beast::error_code ec;
      self->socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      self->socket_.cancel(ec);
    }
  });
}

namespace {

bhttp::response<bhttp::string_body> ToWire(Response&& r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "strongbox");
  if (!r.body.empty() || r.status != 204) res.set(bhttp::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) res.set(name, value);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

Request RequestFromWire(bhttp::request<bhttp::string_body>&& wire) {
  Request request;
  request.method = std::string(wire.method_string());
  request.target = std::string(wire.target());
  for (const auto& field : wire) {
    request.headers.emplace_back(core::ToLowerAscii(field.name_string()),
                                 std::string(field.value()));
  }
  request.body = std::move(wire.body());
  return request;
}

asio::awaitable<Response> Session::Handle(Request& request) {
  try {
    co_return co_await server_.router_.Dispatch(request);
  } catch (const std::exception& e) {
    spdlog::error("unhandled exception serving {} {}: {}", request.method, request.path, e.what());
  }
  co_return ErrorResponse(core::Status::Internal("unhandled exception"));
}

asio::awaitable<std::tuple<beast::error_code, size_t>> Session::ReadRequest(
    beast::flat_buffer& buffer, bhttp::request_parser<bhttp::string_body>& parser) {
  auto [ec, bytes] =
      co_await bhttp::async_read_header(socket_, buffer, parser, as_tuple(use_awaitable));
  // Beast 1.81 bounds the start line and the fields by header_limit each, not their sum (found
  // by the http_request fuzz target): the whole block is checked here.
  if (!ec && bytes > server_.options_.header_limit_bytes) {
    co_return std::make_tuple(beast::error_code(bhttp::error::header_limit), bytes);
  }
  if (ec || parser.is_done()) co_return std::make_tuple(ec, bytes);
  // curl and other clients send `Expect: 100-continue` with larger bodies and wait (curl: 1 s)
  // for this interim answer before sending the body.
  if (core::EqualsIgnoreCase(parser.get()[bhttp::field::expect], "100-continue")) {
    bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
    SetDeadline();
    auto [wec, written] = co_await bhttp::async_write(socket_, go_on, as_tuple(use_awaitable));
    (void)written;
    if (wec) co_return std::make_tuple(wec, bytes);
    SetDeadline();
  }
  co_return co_await bhttp::async_read(socket_, buffer, parser, as_tuple(use_awaitable));
}

asio::awaitable<void> Session::LingeringClose() {
  // The client may still be sending the body we refused. Closing now with its bytes unread
  // makes the kernel answer them with a reset, which can destroy our answer in the client's
  // receive buffer before it is read. So: stop sending, then read and drop what still comes,
  // for a bounded time and amount (Apache's and nginx's "lingering close").
  beast::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  deadline_ = std::chrono::steady_clock::now() + server_.options_.lingering_close;
  watchdog_.cancel();  // re-armed at the new deadline by the watchdog loop
  std::array<char, 16 * 1024> sink;
  uint64_t drained = 0;
  while (drained < server_.options_.body_limit_bytes) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
    if (ec) break;  // the client closed, or the watchdog closed the socket at the deadline
    drained += n;
  }
}

core::ClientGoneFlag Session::WatchClient(std::function<void()> on_gone) {
  if (client_gone_ == nullptr) {
    client_gone_ = std::make_shared<std::atomic<bool>>(false);
    AwaitClientClose(client_gone_);
  }
  if (on_gone) {
    if (client_gone_->load()) {
      on_gone();
    } else {
      on_client_gone_.push_back(std::move(on_gone));
    }
  }
  return client_gone_;
}

void Session::MarkClientGone() {
  if (client_gone_ == nullptr) return;
  client_gone_->store(true);
  std::vector<std::function<void()>> callbacks;
  callbacks.swap(on_client_gone_);
  for (auto& callback : callbacks) callback();
}

void Session::AwaitClientClose(std::shared_ptr<std::atomic<bool>> gone) {
  // No read is pending while a handler runs, so the socket turns readable only when the client
  // sends more (a pipelined request: it is still there) or closes (end of stream, or a reset).
  socket_.async_wait(
      asio::ip::tcp::socket::wait_read,
      [self = shared_from_this(), gone = std::move(gone)](const beast::error_code& ec) mutable {
        if (ec == asio::error::operation_aborted || self->client_gone_ != gone) return;
        if (ec) {
          self->MarkClientGone();
          return;
        }
        char byte;
        const ssize_t n = ::recv(self->socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          self->MarkClientGone();
        } else if (n < 0) {
          self->AwaitClientClose(std::move(gone));  // woken for nothing: wait again
        }
      });
}

asio::awaitable<void> Session::Run() {
  const ServerOptions& options = server_.options_;
  SetDeadline();
  asio::co_spawn(socket_.get_executor(), Watchdog(), asio::detached);
  beast::flat_buffer buffer;
  std::string remote_address;
  {
    beast::error_code ec;
    auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) remote_address = endpoint.address().to_string();
  }
  while (!closing_) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(options.header_limit_bytes);
    parser.body_limit(options.body_limit_bytes);
    SetDeadline();
    auto [ec, bytes] = co_await ReadRequest(buffer, parser);
    (void)bytes;
    if (ec) {
      std::optional<core::Status> answer;
      if (ec == bhttp::error::body_limit) {
        answer = core::Status::PayloadTooLarge("Request body exceeds " +
                                               std::to_string(options.body_limit_bytes) +
                                               " bytes (config body_limit_bytes).");
      } else if (ec == bhttp::error::header_limit) {
        answer = core::Status::PayloadTooLarge("Request headers exceed " +
                                               std::to_string(options.header_limit_bytes) +
                                               " bytes (config header_limit_bytes).");
      } else if (ec.category() == beast::error_code(bhttp::error::bad_method).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        // A parse error (not a closed or timed-out connection) deserves an answer.
        answer = core::Status::InvalidArgument("Malformed HTTP request: " + ec.message());
      }
      if (answer) {
        auto res = ToWire(ErrorResponse(*answer), 11, false);
        SetDeadline();
        auto [wec, written] = co_await bhttp::async_write(socket_, res, as_tuple(use_awaitable));
        (void)written;
        if (!wec) co_await LingeringClose();
      }
      break;
    }

    busy_ = true;
    // No I/O is pending while the handler runs (it may wait on a commit): no deadline.
    deadline_ = std::chrono::steady_clock::time_point::max();
    auto& wire = parser.get();
    Request request = RequestFromWire(std::move(wire));
    request.remote_address = remote_address;
    request.watch_client = [this](std::function<void()> on_gone) {
      return WatchClient(std::move(on_gone));
    };
    Response response;
    if (!ParseTarget(request.target, &request.path, &request.query)) {
      response = ErrorResponse(core::Status::InvalidArgument("Malformed percent-encoding."));
    } else {
      response = co_await Handle(request);
    }
    if (client_gone_ != nullptr) {
      // The watch ends with the request: its wait is cancelled before the answer is written.
      client_gone_.reset();
      on_client_gone_.clear();
      beast::error_code ignored;
      socket_.cancel(ignored);
    }
    const bool keep_alive =
        wire.keep_alive() && !closing_ && server_.state() != ServingState::kDraining;
    auto res = ToWire(std::move(response), wire.version(), keep_alive);
    SetDeadline();
    auto [wec, written] = co_await bhttp::async_write(socket_, res, as_tuple(use_awaitable));
    (void)written;
    busy_ = false;
    if (wec || !keep_alive) break;
  }
  finished_ = true;
  watchdog_.cancel();
  beast::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  socket_.close(ignored);
}

}  // namespace strongbox::http
