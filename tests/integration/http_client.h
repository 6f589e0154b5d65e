#pragma once

// A small blocking HTTP/1.1 client over Boost.Beast for integration tests: one keep-alive
// connection to 127.0.0.1, reopened when the server closes it. Every call has a 30 s deadline,
// which holds even against a server that accepts and never answers (the reads are bounded).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace strongbox::testing {

struct HttpResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool keep_alive = false;

  nlohmann::json Json() const;
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  // Every request carries `api_key` as x-api-key unless the request sets its own x-api-key or
  // authorization header; an empty key sends none.
  explicit HttpClient(uint16_t port, std::string api_key = "");
  ~HttpClient();

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {});
  HttpResponse Get(const std::string& target) { return Send("GET", target); }
  HttpResponse Post(const std::string& target, const std::string& body) {
    return Send("POST", target, body);
  }
  HttpResponse Patch(const std::string& target, const std::string& body) {
    return Send("PATCH", target, body);
  }
  HttpResponse Delete(const std::string& target) { return Send("DELETE", target); }

  // How many TCP connections this client has opened (to check keep-alive).
  int connections_opened() const { return connections_opened_; }

 private:
  struct Connection;
  void Connect();

  uint16_t port_;
  std::string api_key_;
  std::unique_ptr<Connection> conn_;
  int connections_opened_ = 0;
};

// Writes raw bytes on a fresh connection and returns everything read until the server closes
// it (or 10 s pass).
std::string RawExchange(uint16_t port, const std::string& bytes);

// Writes `bytes` on a fresh connection, keeps it open for `hold` without reading, then closes
// it: a client that gives up on a long poll.
void SendAndHangUp(uint16_t port, const std::string& bytes, std::chrono::milliseconds hold);

// Writes `first`, waits for the server to answer something (at most 5 s), then writes `second`
// and reads until the server closes.
std::string RawExchangeInTwoParts(uint16_t port, const std::string& first,
                                  const std::string& second);

}  // namespace strongbox::testing
