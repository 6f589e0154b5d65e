#include "http/forward_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace strongbox::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::as_tuple;
using asio::use_awaitable;

// How the loopback peer below misbehaves after each answer (all answers say keep-alive).
enum class Peer {
  kKeepsAlive,   // a well-behaved keep-alive server
  kClosesIdle,   // closes the connection right after each answer (its idle timeout, at once)
  kStrayAnswer,  // sends a second, unasked answer after each one
  kSlow,         // answers 60 ms after the request
  kSilent,       // reads the request and never answers (a paused owner)
};

bhttp::response<bhttp::string_body> Answer(const std::string& body) {
  bhttp::response<bhttp::string_body> out{bhttp::status::ok, 11};
  out.keep_alive(true);
  out.body() = body;
  out.prepare_payload();
  return out;
}

// Answers each request with its own target as the body; counts in `client_closes` (if given)
// the connections the client closed.
asio::awaitable<void> Session(asio::ip::tcp::socket socket, Peer peer,
                              int* client_closes = nullptr) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request<bhttp::string_body> request;
    auto [read_error, read] =
        co_await bhttp::async_read(stream, buffer, request, as_tuple(use_awaitable));
    if (read_error == bhttp::error::end_of_stream && client_closes != nullptr) ++*client_closes;
    if (read_error) co_return;
    if (peer == Peer::kSlow || peer == Peer::kSilent) {
      asio::steady_timer wait(stream.get_executor(), peer == Peer::kSlow
                                                         ? std::chrono::milliseconds(60)
                                                         : std::chrono::milliseconds(60'000));
      co_await wait.async_wait(as_tuple(use_awaitable));
    }
    auto answer = Answer(std::string(request.target()));
    auto [write_error, written] =
        co_await bhttp::async_write(stream, answer, as_tuple(use_awaitable));
    if (write_error) co_return;
    if (peer == Peer::kClosesIdle) co_return;  // the stream closes as it goes
    if (peer == Peer::kStrayAnswer) {
      // Later than the answer, so it is not read with it: the idle check must find it.
      asio::steady_timer later(stream.get_executor(), std::chrono::milliseconds(10));
      co_await later.async_wait(as_tuple(use_awaitable));
      auto stray = Answer("stray");
      co_await bhttp::async_write(stream, stray, as_tuple(use_awaitable));
    }
  }
}

asio::awaitable<void> Serve(asio::ip::tcp::acceptor& acceptor, Peer peer,
                            int* client_closes = nullptr) {
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(as_tuple(use_awaitable));
    if (error) co_return;
    asio::co_spawn(acceptor.get_executor(), Session(std::move(socket), peer, client_closes),
                   asio::detached);
  }
}

struct Outcome {
  std::vector<std::string> bodies;  // each answer's body, or the error's message
  ForwardClient::Stats stats;
};

// Sends `count` GETs (/r0, /r1, …) one after another to a loopback peer behaving as `peer`,
// 50 ms apart (time for a close or a stray answer to arrive before the next takes a connection).
Outcome SendInTurn(Peer peer, int count) {
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const std::string url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  asio::co_spawn(ioc, Serve(acceptor, peer), asio::detached);
  ForwardClient client(ForwardClient::Options{});
  Outcome outcome;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer pause(ioc);
        for (int i = 0; i < count; ++i) {
          Request request;
          request.method = "GET";
          request.target = "/r" + std::to_string(i);
          auto answer = co_await client.Send(url, request, {});
          outcome.bodies.push_back(answer.ok() ? answer->body : answer.status().message());
          pause.expires_after(std::chrono::milliseconds(50));
          co_await pause.async_wait(as_tuple(use_awaitable));
        }
        outcome.stats = client.stats();
        client.CloseIdle();
        acceptor.close();
        ioc.stop();
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(30));
  return outcome;
}

const std::vector<std::string> kInOrder = {"/r0", "/r1", "/r2", "/r3"};

TEST_CASE("ForwardClient reuses a pooled keep-alive connection", "[http][forward]") {
  // Every request on a new connection costs a forwarded GET half its rate (docs/benchmarks.md,
  // cluster mode): the pool must actually be used.
  Outcome out = SendInTurn(Peer::kKeepsAlive, 4);
  CHECK(out.bodies == kInOrder);
  CHECK(out.stats.sent == 4);
  CHECK(out.stats.failed == 0);
  CHECK(out.stats.connections == 1);
}

TEST_CASE("ForwardClient does not send on a connection the peer closed while idle",
          "[http][forward]") {
  Outcome out = SendInTurn(Peer::kClosesIdle, 4);
  CHECK(out.bodies == kInOrder);  // no request failed on a closed connection
  CHECK(out.stats.failed == 0);
  CHECK(out.stats.connections == 4);
}

TEST_CASE("ForwardClient never takes a stray answer for the next request's", "[http][forward]") {
  Outcome out = SendInTurn(Peer::kStrayAnswer, 4);
  CHECK(out.bodies == kInOrder);  // not "stray"
  CHECK(out.stats.failed == 0);
  CHECK(out.stats.connections == 4);
}

TEST_CASE("ForwardClient closes pooled connections that steady traffic leaves unused",
          "[http][forward]") {
  // A burst opens two connections; then one request at a time only ever takes the newer one,
  // and the older, past max_idle at the bottom of the pool, must be closed by the client (not
  // left for the peer's idle close to turn into a CLOSE_WAIT socket).
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const std::string url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  int client_closes = 0;
  asio::co_spawn(ioc, Serve(acceptor, Peer::kKeepsAlive, &client_closes), asio::detached);
  ForwardClient::Options options;
  options.max_idle = std::chrono::milliseconds(150);
  ForwardClient client(options);
  int answered = 0;
  int closes_before_close_idle = -1;
  auto send = [&](std::string target) -> asio::awaitable<void> {
    Request request;
    request.method = "GET";
    request.target = std::move(target);
    auto answer = co_await client.Send(url, request, {});
    if (answer.ok() && answer->body == request.target) ++answered;
  };
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::co_spawn(ioc, send("/a"), asio::detached);
        co_await send("/b");
        asio::steady_timer pause(ioc);
        while (answered < 2) {
          pause.expires_after(std::chrono::milliseconds(5));
          co_await pause.async_wait(as_tuple(use_awaitable));
        }
        for (int i = 0; i < 8; ++i) {  // 8 × 50 ms: the unused one passes max_idle meanwhile
          pause.expires_after(std::chrono::milliseconds(50));
          co_await pause.async_wait(as_tuple(use_awaitable));
          co_await send("/r" + std::to_string(i));
        }
        pause.expires_after(std::chrono::milliseconds(50));  // the peer reads the close
        co_await pause.async_wait(as_tuple(use_awaitable));
        closes_before_close_idle = client_closes;
        client.CloseIdle();
        acceptor.close();
        ioc.stop();
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(30));
  CHECK(answered == 10);
  CHECK(client.stats().connections == 2);
  CHECK(closes_before_close_idle == 1);
}

// Sends one GET to a loopback peer behaving as `peer`, with a still_wanted check that says
// false from the start (rechecked every 100 ms); the answer's body or error, and how long it took.
std::pair<std::string, std::chrono::milliseconds> SendUnwanted(Peer peer) {
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const std::string url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  asio::co_spawn(ioc, Serve(acceptor, peer), asio::detached);
  ForwardClient::Options options;
  options.timeout = std::chrono::seconds(20);
  options.recheck = std::chrono::milliseconds(100);
  ForwardClient client(options);
  std::string outcome = "(no answer)";
  const auto started = std::chrono::steady_clock::now();
  auto finished = started;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        Request request;
        request.method = "GET";
        request.target = "/moved";
        auto answer = co_await client.Send(url, request, {}, [] { return false; });
        finished = std::chrono::steady_clock::now();
        outcome = answer.ok() ? answer->body : answer.status().message();
        client.CloseIdle();
        acceptor.close();
        ioc.stop();
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(30));
  return {outcome, std::chrono::duration_cast<std::chrono::milliseconds>(finished - started)};
}

TEST_CASE("ForwardClient gives up a request no longer wanted where it waits", "[http][forward]") {
  // A paused owner never answers: once the request's partition has another owner (said twice,
  // a recheck apart), the caller gets its 503 at once rather than after `timeout` (20 s here).
  auto [outcome, took] = SendUnwanted(Peer::kSilent);
  INFO(outcome);
  CHECK(outcome.find("its owner changed") != std::string::npos);
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("ForwardClient still takes an answer already on its way when the owner changes",
          "[http][forward]") {
  // The peer answers 60 ms in, before the second "not wanted" (200 ms): an owner that hands its
  // partition off answers first, and that answer counts.
  auto [outcome, took] = SendUnwanted(Peer::kSlow);
  CHECK(outcome == "/moved");
}

// Sends one GET to `url` with `options`; the answer's body or the error's message, and how
// long it took. `then` (optional) runs on the client's context once the answer is in, and the
// context runs on a moment after it.
std::pair<std::string, std::chrono::milliseconds> SendOnce(ForwardClient::Options options,
                                                           const std::string& url,
                                                           std::function<void()> then = nullptr) {
  asio::io_context ioc;
  ForwardClient client(std::move(options));
  std::string outcome;
  const auto started = std::chrono::steady_clock::now();
  auto finished = started;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        Request request;
        request.method = "GET";
        request.target = "/named";
        auto answer = co_await client.Send(url, request, {});
        outcome = answer.ok() ? answer->body : answer.status().message();
        finished = std::chrono::steady_clock::now();
        if (then) {
          then();
          asio::steady_timer moment(ioc, std::chrono::milliseconds(50));
          co_await moment.async_wait(as_tuple(use_awaitable));
        }
        client.CloseIdle();
        ioc.stop();
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(30));
  return {outcome, std::chrono::duration_cast<std::chrono::milliseconds>(finished - started)};
}

TEST_CASE("ForwardClient gives up a name whose resolver never answers at its timeout",
          "[http][forward]") {
  // A webhook receiver's DNS that never answers: getaddrinfo cannot be interrupted, so the
  // request must stop waiting for it at `timeout`, not hold its worker for the system's retries.
  std::function<void(boost::system::error_code, ForwardClient::Options::Endpoints)> kept;
  ForwardClient::Options options;
  options.timeout = std::chrono::milliseconds(300);
  options.resolve = [&kept](const std::string&, const std::string&, auto answer) {
    kept = std::move(answer);  // answered only after the request gave up (below)
  };
  // The late answer (as getaddrinfo returning at last) finds the request gone and changes
  // nothing: no crash, no use after free (ASan run).
  bool answered_late = false;
  auto [outcome, took] = SendOnce(options, "http://receiver.example:8080", [&] {
    REQUIRE(kept);
    kept(boost::system::error_code(), {});
    // Let go while the context lives: the answer holds the resolver's state, whose timer must
    // not outlive its context (as the resolver's own handler never does).
    kept = nullptr;
    answered_late = true;
  });
  INFO(outcome);
  CHECK(outcome.find("no answer for 'receiver.example' within 300 ms") != std::string::npos);
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(took < std::chrono::seconds(5));
  CHECK(answered_late);
}

TEST_CASE("ForwardClient connects to what a name resolves to", "[http][forward]") {
  asio::io_context peer_context;
  asio::ip::tcp::acceptor acceptor(peer_context, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  asio::co_spawn(peer_context, Serve(acceptor, Peer::kKeepsAlive), asio::detached);
  std::thread peer([&] { peer_context.run_for(std::chrono::seconds(10)); });
  ForwardClient::Options options;
  std::string asked;
  options.resolve = [&asked, port](const std::string& host, const std::string&, auto answer) {
    asked = host;
    answer(boost::system::error_code(),
           {asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)});
  };
  auto [outcome, took] = SendOnce(options, "http://receiver.example:" + std::to_string(port));
  CHECK(outcome == "/named");
  CHECK(asked == "receiver.example");
  acceptor.close();
  peer_context.stop();
  peer.join();
}

}  // namespace
}  // namespace strongbox::http
