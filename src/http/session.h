#pragma once

// Session: one HTTP/1.1 connection, served by one coroutine on one single-threaded io_context
// of the IoContextPool. Reads requests
// with a fresh parser each time (body and header limits from ServerOptions, a deadline before
// every read and write), dispatches them through the Router one at a time, and keeps the
// connection alive until the client closes, a deadline passes or the server drains.
// Owned by the coroutine that runs it; the Server holds a weak reference to close it.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>

#include "http/server.h"

namespace strongbox::http {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server& server, boost::beast::tcp_stream stream, uint64_t id);

  // REQUIRES: the caller keeps the Session alive until this completes.
  boost::asio::awaitable<void> Run();

  // Posted by Server::Drain: closes the connection now if it is between requests, otherwise
  // after the response in progress. `force` closes it either way.
  void Close(bool force);

 private:
  friend class Server;
  boost::asio::awaitable<Response> Handle(Request& request);

  Server& server_;
  boost::beast::tcp_stream stream_;
  const uint64_t id_;
  bool busy_ = false;     // a request is being handled (only touched on the strand)
  bool closing_ = false;  // finish the current request, then close
};

}  // namespace strongbox::http
