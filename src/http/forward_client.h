#pragma once

// ForwardClient: sends a Request received here to another Strongbox node and brings its
// Response back unchanged (cluster mode, proto-docs/cluster.md "Routing"). One pool of
// keep-alive connections per peer (its base URL, http://host:port) and per IO context (a
// connection is only ever used by the thread of the context it was opened on), each used by
// one request at a time and returned to the pool after a complete final answer. `Expect` is
// not forwarded (this node has the whole body already), so the peer never sends an interim
// 100; any 1xx answer is refused and its connection closed, never pooled.
//
// A connection idle longer than `max_idle` is closed instead of reused (and closed as soon as
// another one goes back to its pool, so none sits there in CLOSE_WAIT): the peer's own idle
// timeout must never close it under a request, because a forwarded write whose connection
// broke is not sent again (it may have been applied); the caller answers 503 and the client
// retries (with its Idempotency-Key).
//
// Errors: kUnavailable naming the peer when it cannot be reached, times out (`timeout` per
// request) or answers something that is not HTTP; kInvalidArgument for a base URL that is not
// http://host:port.
// Ownership: the composition root owns it; it must outlive the IO threads that call Send.
// Thread safety: Send from any thread, concurrently.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/message.h"

namespace strongbox::http {

class ForwardClient {
 public:
  struct Options {
    size_t max_idle_per_peer = 32;              // pooled connections kept per peer
    std::chrono::milliseconds timeout{10'000};  // connect + write + read of one request
    std::chrono::milliseconds max_idle{2'000};  // a pooled connection older than this is closed
    uint64_t body_limit_bytes = 8 << 20;        // the largest answer relayed
    // Only the answer's status matters (webhook delivery): an answer whose body is over
    // body_limit_bytes still answers its status, with the body cut and the connection closed,
    // rather than failing (a receiver's verbose 200 is not a failed delivery).
    bool status_only = false;
    // The status for a peer that could not be reached (`url`, what failed); null: 503
    // PARTITION_MOVING naming the node (the cluster's forwarding). Webhook delivery sets its own.
    std::function<core::Status(const std::string& url, const std::string& what)> unreachable;
    // Judges each address the peer's host resolved to, before connecting (host and port as in
    // the base URL; the address as text, IPv6 without brackets): a non-OK status refuses the
    // request with its message, as `unreachable` words it (webhook delivery: no private
    // address behind an allowed `*`). Null: every address.
    std::function<core::Status(const std::string& host, const std::string& port,
                               const std::string& address)>
        admit;
    // How often a request sent with a `still_wanted` check asks it (see Send).
    std::chrono::milliseconds recheck{500};
    // Resolves a host name (never an address: those need no resolver) and calls `answer` once,
    // on any thread, with the addresses or an error. Null: asio's resolver (getaddrinfo). A
    // seam for tests: a resolve that never answers must still end at `timeout`.
    using Endpoints = std::vector<boost::asio::ip::tcp::endpoint>;
    std::function<void(const std::string& host, const std::string& port,
                       std::function<void(boost::system::error_code, Endpoints)> answer)>
        resolve;
  };
  explicit ForwardClient(Options options);
  ~ForwardClient();
  ForwardClient(const ForwardClient&) = delete;
  ForwardClient& operator=(const ForwardClient&) = delete;

  // Sends `request` (method, raw target, headers but hop-by-hop ones, body) to `base_url`
  // with `extra_headers` added, and answers the peer's response as received.
  //
  // `still_wanted` (optional) is asked every `recheck` from the connect until the answer is
  // read; once it has said false twice running, the request is abandoned: its connection is
  // closed and the answer is kUnavailable (`unreachable`), long before `timeout`. The cluster
  // uses it so a request forwarded to an owner that stopped answering (paused, cut off) gets a
  // retryable 503 as soon as another node has taken the partition over, instead of waiting out
  // forward_timeout_ms. Twice, a recheck apart: an owner that hands a partition off answers
  // its requests first, and that answer, already on its way, still arrives.
  boost::asio::awaitable<core::Result<Response>> Send(
      std::string base_url, const Request& request,
      std::vector<std::pair<std::string, std::string>> extra_headers,
      std::function<bool()> still_wanted = nullptr);

  // Closes every pooled connection. REQUIRES: before the IO contexts the connections were
  // opened on are destroyed (they are bound to them).
  void CloseIdle();

  struct Stats {
    uint64_t sent = 0;         // requests answered by a peer
    uint64_t failed = 0;       // requests no peer answered
    uint64_t connections = 0;  // connections opened
  };
  Stats stats() const;

 private:
  struct Connection;
  // A pool: the IO context's address and the peer's base URL.
  using PoolKey = std::pair<const void*, std::string>;
  // The peer's addresses, within `timeout`: an address as it is; a name through the resolver,
  // abandoned (kUnavailable) at the deadline — asio's resolver runs getaddrinfo on one thread
  // per context, which a name whose DNS never answers would otherwise hold past any timeout.
  boost::asio::awaitable<core::Result<Options::Endpoints>> Resolve(const std::string& host,
                                                                   const std::string& port);
  std::unique_ptr<Connection> TakeIdle(const PoolKey& key);
  void GiveBack(const PoolKey& key, std::unique_ptr<Connection> connection);

  const Options options_;
  mutable std::mutex mu_;
  std::map<PoolKey, std::vector<std::unique_ptr<Connection>>> idle_;  // guarded by mu_
  Stats stats_;                                                       // guarded by mu_
};

}  // namespace strongbox::http
