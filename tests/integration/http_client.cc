#include "integration/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

namespace strongbox::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

nlohmann::json HttpResponse::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

// Beast's tcp_stream deadline (expires_after) bounds only asynchronous operations: each one is
// started here and run to completion on its own io_context, so a server that hangs fails the
// test at the deadline (beast::error::timeout) instead of blocking it until ctest's timeout.
template <class Start>
beast::error_code RunBounded(asio::io_context& ioc, Start start, size_t* transferred = nullptr) {
  beast::error_code result = asio::error::would_block;
  start([&result, transferred](beast::error_code ec, size_t n = 0) {
    result = ec;
    if (transferred != nullptr) *transferred = n;
  });
  ioc.restart();
  ioc.run();
  return result;
}

void ConnectBounded(asio::io_context& ioc, beast::tcp_stream& stream, uint16_t port,
                    std::chrono::seconds deadline) {
  stream.expires_after(deadline);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  beast::error_code ec = RunBounded(ioc, [&](auto done) {
    stream.async_connect(endpoint, [done](beast::error_code e) mutable { done(e); });
  });
  if (ec) throw beast::system_error(ec);
}

}  // namespace

struct HttpClient::Connection {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(uint16_t port, std::string api_key)
    : port_(port), api_key_(std::move(api_key)) {}
HttpClient::~HttpClient() = default;

void HttpClient::Connect() {
  conn_ = std::make_unique<Connection>();
  ConnectBounded(conn_->ioc, conn_->stream, port_, std::chrono::seconds(30));
  ++connections_opened_;
}

HttpResponse HttpClient::Send(const std::string& method, const std::string& target,
                              const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!conn_) Connect();
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!api_key_.empty() && req.find("x-api-key") == req.end() &&
        req.find(bhttp::field::authorization) == req.end()) {
      req.set("x-api-key", api_key_);
    }
    if (!body.empty() && req.find(bhttp::field::content_type) == req.end()) {
      req.set(bhttp::field::content_type, "application/json");
    }
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    conn_->stream.expires_after(std::chrono::seconds(30));  // for the write and the read
    beast::error_code ec = RunBounded(
        conn_->ioc, [&](auto done) { bhttp::async_write(conn_->stream, req, std::move(done)); });
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (!ec) {
      ec = RunBounded(conn_->ioc, [&](auto done) {
        bhttp::async_read(conn_->stream, conn_->buffer, parser, std::move(done));
      });
    }
    if (ec) {
      // The server closed an idle keep-alive connection: retry once on a new one. Not after a
      // timeout: the server is hung, and waiting again would only double the test's wait.
      conn_.reset();
      if (attempt == 0 && ec != beast::error::timeout) continue;
      throw beast::system_error(ec);
    }
    auto& res = parser.get();
    HttpResponse out;
    out.status = res.result_int();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    out.keep_alive = res.keep_alive();
    if (!out.keep_alive) conn_.reset();
    return out;
  }
  throw std::runtime_error("unreachable");
}

namespace {

// Appends what one read returns; false once the connection is closed or failed (or the
// stream's deadline passed).
bool ReadSome(asio::io_context& ioc, beast::tcp_stream& stream, std::string* out) {
  char buf[4096];
  size_t n = 0;
  beast::error_code ec = RunBounded(
      ioc, [&](auto done) { stream.async_read_some(asio::buffer(buf), std::move(done)); }, &n);
  out->append(buf, n);
  return !ec;
}

void WriteAll(asio::io_context& ioc, beast::tcp_stream& stream, const std::string& bytes) {
  beast::error_code ec = RunBounded(
      ioc, [&](auto done) { asio::async_write(stream, asio::buffer(bytes), std::move(done)); });
  if (ec) throw beast::system_error(ec);
}

}  // namespace

std::string RawExchange(uint16_t port, const std::string& bytes) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  ConnectBounded(ioc, stream, port, std::chrono::seconds(10));  // the whole exchange's deadline
  WriteAll(ioc, stream, bytes);
  std::string out;
  while (ReadSome(ioc, stream, &out)) {
  }
  return out;
}

void SendAndHangUp(uint16_t port, const std::string& bytes, std::chrono::milliseconds hold) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  ConnectBounded(ioc, stream, port, std::chrono::seconds(10));
  WriteAll(ioc, stream, bytes);
  std::this_thread::sleep_for(hold);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
}

std::string RawExchangeInTwoParts(uint16_t port, const std::string& first,
                                  const std::string& second) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  ConnectBounded(ioc, stream, port, std::chrono::seconds(10));
  WriteAll(ioc, stream, first);
  std::string out;
  stream.expires_after(std::chrono::seconds(5));
  if (!ReadSome(ioc, stream, &out)) return out;
  stream.expires_after(std::chrono::seconds(10));
  WriteAll(ioc, stream, second);
  while (ReadSome(ioc, stream, &out)) {
  }
  return out;
}

}  // namespace strongbox::testing
