#pragma once

// A webhook receiver for integration tests: a real HTTP/1.1 server on `address` (127.0.0.1 or
// ::1; port 0, one thread, one connection at a time, `Connection: close` on every answer) that
// records every POST and answers 503 to the first `fail_first` of them, then 200 (or 503 to all
// while `fail_all` is set) with a body of `answer_bytes` (2 by default). Stops by itself in its
// destructor. Throws (boost::system::system_error) when the address cannot be bound.
// Misbehaviours on request: keep-alive with an idle close (the connection is kept for the next
// request for `idle`, then closed, as servers do), and a stray second answer to each POST.
// Thread safety: every method from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace strongbox::testing {

struct ReceivedPost {
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  unsigned answered = 0;  // the status it was given
};

class WebhookReceiver {
 public:
  explicit WebhookReceiver(int fail_first = 0, const std::string& address = "127.0.0.1");
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  uint16_t port() const { return port_; }
  std::string Url(const std::string& path = "/hook") const;
  void SetFailAll(bool fail) { fail_all_ = fail; }
  void SetAnswerBytes(size_t bytes) { answer_bytes_ = bytes; }
  // 0: `Connection: close` on every answer (the default).
  void SetKeepAlive(std::chrono::milliseconds idle) { keep_alive_ms_ = idle.count(); }
  void SetDoubleAnswer(bool twice) { double_answer_ = twice; }
  std::vector<ReceivedPost> Posts() const;
  // The posts answered 200, in arrival order.
  std::vector<ReceivedPost> Accepted() const;

 private:
  void Serve();

  std::string address_;
  uint16_t port_ = 0;
  std::atomic<size_t> answer_bytes_{2};
  std::atomic<int64_t> keep_alive_ms_{0};
  std::atomic<bool> double_answer_{false};
  std::atomic<int> fail_first_;
  std::atomic<bool> fail_all_{false};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<ReceivedPost> posts_;  // guarded by mu_
  struct Impl;
  Impl* impl_;
  std::thread thread_;
};

}  // namespace strongbox::testing
