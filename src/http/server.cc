#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <vector>

#include "http/error_response.h"
#include "http/session.h"

namespace strongbox::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

Server::Server(IoContextPool& pool, const Router& router, ServerOptions options)
    : pool_(pool), router_(router), options_(std::move(options)), acceptor_(pool.Main()) {}

Server::~Server() = default;

core::Result<uint16_t> Server::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.address, ec);
  if (ec) return core::Status::InvalidArgument("bad listen address '" + options_.address + "'");
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Status::Unavailable("cannot listen on " + options_.address + ":" +
                                     std::to_string(options_.port) + ": " + ec.message());
  }
  const uint16_t port = acceptor_.local_endpoint().port();
  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), asio::detached);
  return port;
}

namespace {

asio::awaitable<void> RunSession(std::shared_ptr<Session> session) { co_await session->Run(); }

}  // namespace

asio::awaitable<void> Server::AcceptLoop() {
  // After a failed accept the loop waits before the next, doubling from 5 ms to 1 s while they
  // keep failing: out of file descriptors (EMFILE) the pending connection stays queued and every
  // accept fails at once, so without a pause the loop spins a core and floods the log. One
  // warning per kAcceptWarnEvery says how many failed meanwhile.
  constexpr std::chrono::milliseconds kFirstBackoff{5}, kLongestBackoff{1000};
  constexpr std::chrono::seconds kAcceptWarnEvery{10};
  std::chrono::milliseconds backoff{0};
  std::chrono::steady_clock::time_point next_warning{};
  uint64_t failed_since_warning = 0;
  asio::steady_timer pause(acceptor_.get_executor());
  for (;;) {
    // The connection lives on the next context of the pool for its whole life.
    auto [ec, socket] = co_await acceptor_.async_accept(pool_.Next(), as_tuple(use_awaitable));
    if (ec) {
      if (!acceptor_.is_open() || ec == asio::error::operation_aborted) co_return;
      ++failed_since_warning;
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_warning) {
        spdlog::warn("accept failed {} time(s) since the last such warning: {}{}",
                     failed_since_warning, ec.message(),
                     ec == asio::error::no_descriptors
                         ? " (raise the open-files limit, ulimit -n, above max_connections)"
                         : "");
        next_warning = now + kAcceptWarnEvery;
        failed_since_warning = 0;
      }
      backoff = backoff.count() == 0 ? kFirstBackoff : std::min(backoff * 2, kLongestBackoff);
      pause.expires_after(backoff);
      co_await pause.async_wait(as_tuple(use_awaitable));
      continue;
    }
    backoff = std::chrono::milliseconds(0);
    if (active_connections_.load() >= options_.max_connections ||
        state_.load() == ServingState::kDraining) {
      // Over the bound: answer 503 and close, rather than queueing without limit.
      auto over = std::make_shared<beast::tcp_stream>(std::move(socket));
      asio::co_spawn(
          over->get_executor(),
          [over, timeout = options_.io_timeout]() -> asio::awaitable<void> {
            Response r = ErrorResponse(core::Status::Unavailable(
                "Too many connections (config max_connections); retry later."));
            beast::http::response<beast::http::string_body> res{
                beast::http::status::service_unavailable, 11};
            res.set(beast::http::field::content_type, r.content_type);
            res.set(beast::http::field::retry_after, "1");
            res.body() = r.body;
            res.keep_alive(false);
            res.prepare_payload();
            over->expires_after(timeout);
            co_await beast::http::async_write(*over, res, as_tuple(use_awaitable));
            beast::error_code ignored;
            over->socket().shutdown(tcp::socket::shutdown_both, ignored);
          },
          asio::detached);
      continue;
    }
    uint64_t id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      id = next_session_id_++;
    }
    auto session = std::make_shared<Session>(*this, std::move(socket), id);
    Register(id, session);
    auto executor = session->socket_.get_executor();
    // The coroutine frame owns the session: the spawn may start it on another thread after
    // this loop has moved on, so nothing else may hold the only strong reference.
    asio::co_spawn(executor, RunSession(std::move(session)), [this, id](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("session ended by exception: {}", ex.what());
        }
      }
      Unregister(id);
    });
  }
}

void Server::Register(uint64_t id, const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.emplace(id, session);
  active_connections_.fetch_add(1);
}

void Server::Unregister(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sessions_.erase(id) > 0) active_connections_.fetch_sub(1);
}

asio::awaitable<void> Server::Drain(std::chrono::milliseconds grace) {
  state_.store(ServingState::kDraining);
  beast::error_code ec;
  acceptor_.close(ec);

  auto close_all = [this](bool force) {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, weak] : sessions_) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->Close(force);
  };
  close_all(/*force=*/false);

  asio::steady_timer timer(pool_.Main());
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (active_connections_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(as_tuple(use_awaitable));
    // Sessions that were mid-request when the drain began close after their response;
    // ask again in case one started reading a new request in between.
    close_all(/*force=*/false);
  }
  if (active_connections_.load() > 0) {
    spdlog::warn("shutdown grace over; closing {} connections", active_connections_.load());
    close_all(/*force=*/true);
    for (int i = 0; i < 100 && active_connections_.load() > 0; ++i) {
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(as_tuple(use_awaitable));
    }
  }
}

}  // namespace strongbox::http
