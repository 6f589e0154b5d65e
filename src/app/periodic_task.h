#pragma once

// PeriodicTask: one background loop on an executor: wait `interval`, run one pass, repeat,
// until Stop(). Every timer-driven job of the server (the purges, the memory-store sweep,
// scheduled backups) is one of these, so each starts and stops the same way.
//
// A pass is a bounded unit of work. Stop() ends a wait at once and no pass starts after it; a
// pass already running finishes first, and a pass that repeats a step (e.g. "sweep again while
// the batch came back full") checks stop_requested() between steps. A pass that throws ends
// the loop with an error log line naming the task.
//
// Ownership: app/ owns it. It holds a timer on the executor's context: destroy it before that
// context, and keep it until the context has stopped running (the loop refers to it).
// Thread safety: none of its own. Start before the executor runs or on its thread; Stop and
// stop_requested on the executor's thread (the server uses the pool's single-threaded main
// context).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>

namespace strongbox::app {

class PeriodicTask {
 public:
  using Pass = std::function<boost::asio::awaitable<void>()>;

  // `name` is for logs ("revision purge"). REQUIRES: interval > 0.
  PeriodicTask(boost::asio::any_io_executor executor, std::string name,
               std::chrono::milliseconds interval, Pass pass);
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Spawns the loop; the first pass runs one interval from now. REQUIRES: called at most once.
  void Start();
  // No pass starts after this; a wait in progress ends now. Idempotent; harmless before Start.
  void Stop();
  bool stop_requested() const { return stopping_; }

  const std::string& name() const { return name_; }

 private:
  boost::asio::awaitable<void> Loop();

  const std::string name_;
  const std::chrono::milliseconds interval_;
  const Pass pass_;
  boost::asio::steady_timer timer_;
  bool stopping_ = false;
};

}  // namespace strongbox::app
