#pragma once

// Session: one HTTP/1.1 connection, served by one coroutine on one single-threaded io_context
// of the IoContextPool.
//
// Timeouts: before every read and every write the session sets a deadline of io_timeout; a
// watchdog timer closes the socket once a deadline passes. Setting a deadline is a plain store,
// unlike re-arming a timer per operation (Beast's tcp_stream), which cost a cancelled timer
// completion per read and per write on the hot path. While a handler runs no I/O is pending
// and no deadline is set, so a slow commit is not cut off. Reads requests
// with a fresh parser each time (body and header limits from ServerOptions, a deadline before
// every read and write), dispatches them through the Router one at a time, and keeps the
// connection alive until the client closes, a deadline passes or the server drains.
// Owned by the coroutine that runs it; the Server holds a weak reference to close it.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <tuple>
#include <vector>

#include "http/server.h"

namespace strongbox::http {

// The transport-neutral Request of a parsed wire request: method, target, header names
// lower-cased, the body moved out. Path and query are not split yet (ParseTarget).
Request RequestFromWire(boost::beast::http::request<boost::beast::http::string_body>&& wire);

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server& server, boost::asio::ip::tcp::socket socket, uint64_t id);

  // REQUIRES: the caller keeps the Session alive until this completes.
  boost::asio::awaitable<void> Run();

  // Posted by Server::Drain: closes the connection now if it is between requests, otherwise
  // after the response in progress. `force` closes it either way.
  void Close(bool force);

 private:
  friend class Server;
  boost::asio::awaitable<Response> Handle(Request& request);
  // After an error answer to a request whose body was not read: half-close, then drain.
  boost::asio::awaitable<void> LingeringClose();
  // Reads one request (header, then `100 Continue` if asked for, then the body).
  boost::asio::awaitable<std::tuple<boost::beast::error_code, size_t>> ReadRequest(
      boost::beast::flat_buffer& buffer,
      boost::beast::http::request_parser<boost::beast::http::string_body>& parser);

  // Request::watch_client: starts (once per request) waiting for the socket to turn readable
  // while the handler runs, and answers the request's "client gone" flag; `on_gone` is kept
  // for MarkClientGone (run now when the flag is already true).
  core::ClientGoneFlag WatchClient(std::function<void()> on_gone);
  void AwaitClientClose(std::shared_ptr<std::atomic<bool>> gone);
  // Sets the flag and runs the callbacks the request's long polls left.
  void MarkClientGone();

  Server& server_;
  // Closes the socket when the deadline of the operation in progress passes.
  boost::asio::awaitable<void> Watchdog();
  void SetDeadline() { deadline_ = std::chrono::steady_clock::now() + io_timeout_; }

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer watchdog_;
  const std::chrono::milliseconds io_timeout_;
  std::chrono::steady_clock::time_point deadline_;
  bool finished_ = false;  // Run() is over; the watchdog stops
  const uint64_t id_;
  bool busy_ = false;     // a request is being handled (only touched on the strand)
  bool closing_ = false;  // finish the current request, then close
  // The request in progress's "client gone" flag, once its handler asked (WatchClient), and
  // what to run when it turns true (touched only on the strand).
  std::shared_ptr<std::atomic<bool>> client_gone_;
  std::vector<std::function<void()>> on_client_gone_;
};

}  // namespace strongbox::http
