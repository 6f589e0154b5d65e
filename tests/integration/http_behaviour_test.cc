// Transport behaviour of the real server: health, keep-alive, limits, malformed HTTP, lenient
// parsing, concurrent clients.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "integration/fixture.h"

namespace strongbox::testing {
namespace {

using nlohmann::json;

TEST_CASE("healthz and readyz answer without a key", "[integration]") {
  ServerFixture f;
  auto health = f.client->Get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.Json()["status"] == "ok");
  auto ready = f.client->Get("/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.Header("content-type") == "application/json");
}

TEST_CASE("requests no route takes answer in their API family's error shape", "[integration]") {
  ServerFixture f;
  const std::string ms = "/cloud/v2/universes/1/memory-store";
  auto wrong_method = f.client->Delete(ms + "/queues/q1");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.Json()["code"] == "METHOD_NOT_ALLOWED");
  CHECK(wrong_method.Json()["error"] == "METHOD_NOT_ALLOWED");  // memory-store clients read it
  CHECK(wrong_method.Header("allow") == "GET, PATCH");
  auto unknown_verb = f.client->Post(ms + "/queues/q1/items:bogus", "{}");
  CHECK(unknown_verb.status == 404);
  CHECK(unknown_verb.Json()["error"] == "NOT_FOUND");
  auto bad_escape = f.client->Get(ms + "/hash-maps/h/items/%ZZ");
  CHECK(bad_escape.status == 400);
  CHECK(bad_escape.Json()["error"] == "INVALID_ARGUMENT");
  auto v1 = f.client->Get("/datastores/v1/universes/1/standard-datastores/datastore/nothing");
  CHECK(v1.status == 404);
  CHECK(v1.Json()["errorDetails"][0]["errorDetailType"] == "DatastoreErrorInfo");
  auto v2 = f.client->Get("/cloud/v2/universes/1/nothing");
  CHECK(v2.status == 404);
  CHECK(v2.Json()["code"] == "NOT_FOUND");
  CHECK_FALSE(v2.Json().contains("error"));
}

TEST_CASE("one connection serves many requests (keep-alive)", "[integration]") {
  ServerFixture f;
  for (int i = 0; i < 50; ++i) {
    auto r = f.client->Patch(kEntries + "/ka?allowMissing=true", json{{"value", i}}.dump());
    REQUIRE(r.status == 200);
    CHECK(r.keep_alive);
  }
  CHECK(f.client->Get(kEntries + "/ka").Json()["value"] == 49);
  CHECK(f.client->connections_opened() == 1);
}

TEST_CASE("malformed HTTP gets a 400 JSON answer", "[integration]") {
  ServerFixture f;
  std::string out = RawExchange(f.server.port(), "THIS IS NOT HTTP\r\n\r\n");
  CHECK(out.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(out.find("\"code\":\"INVALID_ARGUMENT\"") != std::string::npos);
  // The server is still fine.
  CHECK(f.client->Get("/healthz").status == 200);
}

TEST_CASE("oversize headers and bodies get 413 JSON before being read", "[integration]") {
  ServerFixture f({"--header-limit-bytes", "2048", "--body-limit-bytes", "65536",
                   "--max-value-bytes", "60000"});
  std::string big_header =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n";
  std::string out = RawExchange(f.server.port(), big_header);
  CHECK(out.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(out.find("PAYLOAD_TOO_LARGE") != std::string::npos);
  // The limit is on the whole block: a long target plus long fields, each under it, is over.
  out = RawExchange(f.server.port(),
                    "GET /healthz?pad=" + std::string(1500, 'p') +
                        " HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(1500, 'a') + "\r\n\r\n");
  CHECK(out.rfind("HTTP/1.1 413", 0) == 0);
  // A declared Content-Length past the limit is refused without reading the body.
  std::string declared =
      "POST " + kEntries + "?id=x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n";
  out = RawExchange(f.server.port(), declared);
  CHECK(out.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(f.client->Get(kEntries + "/x").status == 404);
}

TEST_CASE(
    "lenient parsing: JSON content-type on GET, empty params, extra slashes, "
    "unknown fields",
    "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Post(kEntries + "?id=l", R"({"value":1,"unknownField":true})").status == 200);
  auto r = f.client->Send("GET", kEntries + "/l", "", {{"content-type", "application/json"}});
  CHECK(r.status == 200);
  CHECK(f.client->Get("/cloud/v2/universes/42//data-stores/Inventory///entries/l").status == 200);
  CHECK(f.client->Patch(kEntries + "/l?allowMissing=", R"({"value":2})").status == 200);
  CHECK(f.client->Delete(kEntries + "/l?etag=").status == 200);
}

TEST_CASE("concurrent clients doing compare-and-swap lose no update", "[integration]") {
  ServerFixture f;
  REQUIRE(f.client->Post(kEntries + "?id=counter", R"({"value":0})").status == 200);
  constexpr int kClients = 8;
  constexpr int kIncrements = 15;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&] {
      HttpClient client(f.server.port(), f.server.admin_key());
      for (int done = 0; done < kIncrements;) {
        auto current = client.Get(kEntries + "/counter").Json();
        json next = {{"value", current["value"].get<int>() + 1}, {"etag", current["etag"]}};
        auto r = client.Patch(kEntries + "/counter", next.dump());
        if (r.status == 200) {
          ++done;
        } else if (r.status == 409) {
          ++conflicts;
        } else {
          FAIL("unexpected status " << r.status);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(f.client->Get(kEntries + "/counter").Json()["value"] == kClients * kIncrements);
}

TEST_CASE("connections past max_connections get 503 JSON", "[integration]") {
  ServerFixture f({"--max-connections", "2"});
  HttpClient a(f.server.port(), f.server.admin_key()), b(f.server.port());
  REQUIRE(a.Get("/healthz").status == 200);
  REQUIRE(b.Get("/healthz").status == 200);
  std::string out = RawExchange(f.server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(out.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(out.find("max_connections") != std::string::npos);
}

}  // namespace
}  // namespace strongbox::testing

namespace strongbox::testing {
namespace {

TEST_CASE("a stalled or idle connection is closed after io_timeout", "[integration]") {
  ServerFixture f({"--io-timeout-ms", "300"});
  const auto start = std::chrono::steady_clock::now();
  // Half a request, then nothing: the read deadline closes the connection without an answer.
  std::string out = RawExchange(f.server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(out.empty());
  CHECK(elapsed >= std::chrono::milliseconds(250));
  CHECK(elapsed < std::chrono::seconds(5));
  // An idle keep-alive connection is closed too; the client's next request reconnects.
  HttpClient client(f.server.port(), f.server.admin_key());
  REQUIRE(client.Get("/healthz").status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  REQUIRE(client.Get("/healthz").status == 200);
  CHECK(client.connections_opened() == 2);
}

}  // namespace
}  // namespace strongbox::testing

namespace strongbox::testing {
namespace {

TEST_CASE("Expect: 100-continue gets an interim answer before the body is sent", "[integration]") {
  ServerFixture f;
  const std::string body = R"({"value":")" + std::string(2000, 'x') + R"("})";
  // Headers only: a server that ignores Expect would leave us waiting here.
  std::string head =
      "POST " + kEntries +
      "?id=big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nx-api-key: " + f.server.admin_key() +
      "\r\n"
      "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  std::string out = RawExchangeInTwoParts(f.server.port(), head, body);
  CHECK(out.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
  CHECK(out.find("HTTP/1.1 200 OK") != std::string::npos);
  CHECK(f.client->Get(kEntries + "/big").status == 200);
}

}  // namespace
}  // namespace strongbox::testing

namespace strongbox::testing {
namespace {

// Opens a TCP connection to 127.0.0.1:`port` and leaves it idle; -1 if it could not.
int ConnectIdle(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST_CASE("out of file descriptors, accepting backs off quietly and resumes", "[integration]") {
#if defined(__SANITIZE_ADDRESS__)
  // Not under the sanitizers: their runtime needs descriptors itself (UBSan's vptr check tests
  // memory through a pipe), so out of them it reports an invalid vptr that is not there and
  // stops the server. The plain build runs this test.
  return;
#endif
  TempDir dir;
  ServerProcess server(dir.path(), dir.Child("data"), {"--io-threads", "1"});
  server.set_open_files_limit(128);
  server.Start();
  // More connections than the process has descriptors left: the kernel queues the rest, and
  // every accept of them fails (EMFILE) until some close.
  std::vector<int> idle;
  for (int i = 0; i < 160; ++i) {
    const int fd = ConnectIdle(server.port());
    if (fd >= 0) idle.push_back(fd);
  }
  CHECK(idle.size() > 128);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  for (int fd : idle) ::close(fd);
  // Served again once they are gone (the backoff is at most a second).
  const bool served = WaitFor(
      [&] {
        try {
          return HttpClient(server.port()).Get("/healthz").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(15));
  CHECK(served);
  const std::string log = server.Log();
  size_t warnings = 0;
  for (size_t at = log.find("accept failed"); at != std::string::npos;
       at = log.find("accept failed", at + 1)) {
    ++warnings;
  }
  INFO(log.substr(0, 2000));
  // One warning per 10 s, not one per failed accept (a spinning loop wrote thousands).
  CHECK(warnings >= 1);
  CHECK(warnings <= 2);
  CHECK(log.find("the open-files limit is 128") != std::string::npos);
}

}  // namespace
}  // namespace strongbox::testing
