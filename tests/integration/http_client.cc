#include "integration/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

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
  conn_->stream.expires_after(std::chrono::seconds(30));
  conn_->stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
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
    beast::error_code ec;
    conn_->stream.expires_after(std::chrono::seconds(30));
    bhttp::write(conn_->stream, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (!ec) bhttp::read(conn_->stream, conn_->buffer, parser, ec);
    if (ec) {
      // The server closed an idle keep-alive connection: retry once on a new one.
      conn_.reset();
      if (attempt == 0) continue;
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

void ConnectRaw(beast::tcp_stream& stream, uint16_t port) {
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

// Appends what one read returns; false once the connection is closed or failed.
bool ReadSome(beast::tcp_stream& stream, std::string* out) {
  char buf[4096];
  beast::error_code ec;
  size_t n = stream.read_some(asio::buffer(buf), ec);
  out->append(buf, n);
  return !ec;
}

}  // namespace

std::string RawExchange(uint16_t port, const std::string& bytes) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  ConnectRaw(stream, port);
  asio::write(stream, asio::buffer(bytes));
  std::string out;
  while (ReadSome(stream, &out)) {
  }
  return out;
}

std::string RawExchangeInTwoParts(uint16_t port, const std::string& first,
                                  const std::string& second) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  ConnectRaw(stream, port);
  asio::write(stream, asio::buffer(first));
  std::string out;
  stream.expires_after(std::chrono::seconds(5));
  if (!ReadSome(stream, &out)) return out;
  stream.expires_after(std::chrono::seconds(10));
  asio::write(stream, asio::buffer(second));
  while (ReadSome(stream, &out)) {
  }
  return out;
}

}  // namespace strongbox::testing
