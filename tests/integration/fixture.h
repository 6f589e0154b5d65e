#pragma once

// A running strongbox on a fresh temporary data directory, and a client connected to it.

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/http_client.h"
#include "integration/server_process.h"
#include "support/temp_dir.h"

namespace strongbox::testing {

struct ServerFixture {
  explicit ServerFixture(std::vector<std::string> extra = {})
      : server(dir.path(), dir.Child("data"), std::move(extra)) {
    server.Start();
    client = NewClient();
  }

  // A client that sends the bootstrap admin key.
  std::unique_ptr<HttpClient> NewClient() const {
    return std::make_unique<HttpClient>(server.port(), server.admin_key());
  }

  // SIGTERM, then start again on the same data directory with a new client.
  int Restart() {
    int code = server.Stop();
    server.Start();
    client = NewClient();
    return code;
  }

  TempDir dir;
  ServerProcess server;
  std::unique_ptr<HttpClient> client;
};

// Polls `done` every 10 ms until it answers true (true) or `limit` has passed (false); the
// last ask starts after the deadline. `done` is never asked again once it said true: a
// predicate that samples a passing state (a retry's back-off, a lease moving) would otherwise
// be asked a second time and could see the state gone (CI saw that flake).
template <class Done>
bool WaitFor(Done done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const bool past = std::chrono::steady_clock::now() >= deadline;
    if (done()) return true;
    if (past) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// The value of the first sample line of a /metrics `text` starting with `series` (name and
// labels, exactly as rendered), or -1 when there is none.
inline double Metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Requests answered with `status` on the routes whose pattern contains `route_part`, from the
// strongbox_http_requests_total samples of a /metrics `text`.
inline double AnsweredCount(const std::string& text, const std::string& route_part, int status) {
  std::istringstream in(text);
  std::string line;
  double total = 0;
  const std::string status_label = "status=\"" + std::to_string(status) + "\"}";
  while (std::getline(in, line)) {
    if (line.rfind("strongbox_http_requests_total{", 0) != 0) continue;
    const size_t end = line.find("} ");
    if (end == std::string::npos) continue;
    const std::string labels = line.substr(0, end + 1);
    if (labels.find(route_part) == std::string::npos) continue;
    if (labels.size() < status_label.size() ||
        labels.compare(labels.size() - status_label.size(), status_label.size(), status_label) !=
            0) {
      continue;
    }
    total += std::stod(line.substr(end + 2));
  }
  return total;
}

inline const std::string kEntries = "/cloud/v2/universes/42/data-stores/Inventory/entries";
inline const std::string kScopedEntries =
    "/cloud/v2/universes/42/data-stores/Inventory/scopes/global/entries";

}  // namespace strongbox::testing
