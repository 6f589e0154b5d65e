#pragma once

// Server: the HTTP/1.1 front door. Owns the acceptor and every live Session; routes each
// request through a Router it does not own. It knows no endpoint and no domain.
//
// Lifecycle: Start() binds (port 0 picks a free port; the bound port is returned), then serves
// on the io_context's threads. Drain() implements graceful shutdown: stop accepting, mark not
// ready, close idle connections, let busy ones finish their current request for up to `grace`,
// then close whatever is left.
// Thread safety: Start and Drain run on the pool's main context (Drain from a coroutine);
// accessors are safe from any thread.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "http/io_context_pool.h"
#include "http/router.h"

namespace strongbox::http {

class Session;

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  uint64_t body_limit_bytes = 5 << 20;
  uint32_t header_limit_bytes = 16 << 10;
  std::chrono::milliseconds io_timeout{30'000};
  // After refusing a request before its body (413): how long the unread body is drained so the
  // client can read the answer (session.cc).
  std::chrono::milliseconds lingering_close{2'000};
  size_t max_connections = 4096;
};

enum class ServingState { kStarting, kServing, kDraining };

class Server {
 public:
  Server(IoContextPool& pool, const Router& router, ServerOptions options);
  ~Server();

  // Binds and starts accepting. Returns the bound port.
  core::Result<uint16_t> Start();

  // Graceful shutdown; returns when every connection is closed or `grace` has passed and the
  // rest were closed by force.
  boost::asio::awaitable<void> Drain(std::chrono::milliseconds grace);

  ServingState state() const { return state_.load(); }
  void set_state(ServingState s) { state_.store(s); }
  size_t active_connections() const { return active_connections_.load(); }

 private:
  friend class Session;
  boost::asio::awaitable<void> AcceptLoop();
  void Register(uint64_t id, const std::shared_ptr<Session>& session);
  void Unregister(uint64_t id);

  IoContextPool& pool_;
  const Router& router_;
  const ServerOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<ServingState> state_{ServingState::kStarting};
  std::atomic<size_t> active_connections_{0};
  std::mutex mu_;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;  // guarded by mu_
  uint64_t next_session_id_ = 0;                                   // guarded by mu_
};

}  // namespace strongbox::http
