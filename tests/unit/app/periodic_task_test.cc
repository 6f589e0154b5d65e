#include "app/periodic_task.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>

namespace strongbox::app {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST_CASE("a periodic task runs a pass every interval until stopped", "[app]") {
  asio::io_context ioc;
  int passes = 0;
  std::optional<PeriodicTask> task;
  PeriodicTask::Pass pass = [&]() -> asio::awaitable<void> {
    if (++passes == 3) task->Stop();
    co_return;
  };
  task.emplace(ioc.get_executor(), "test task", milliseconds(5), pass);
  task->Start();
  const auto started = Clock::now();
  ioc.run_for(std::chrono::seconds(10));
  CHECK(ioc.stopped());  // the loop ended: no work left
  CHECK(passes == 3);    // the pass that called Stop finished; no other started
  CHECK(Clock::now() - started >= milliseconds(15));  // three waits of one interval
}

TEST_CASE("stopping a periodic task ends its wait at once", "[app]") {
  asio::io_context ioc;
  int passes = 0;
  PeriodicTask::Pass pass = [&]() -> asio::awaitable<void> {
    ++passes;
    co_return;
  };
  PeriodicTask task(ioc.get_executor(), "hourly", std::chrono::hours(1), pass);
  task.Start();
  asio::steady_timer soon(ioc, milliseconds(10));
  soon.async_wait([&](const boost::system::error_code&) { task.Stop(); });
  const auto started = Clock::now();
  ioc.run_for(std::chrono::seconds(10));
  CHECK(ioc.stopped());
  CHECK(Clock::now() - started < std::chrono::seconds(2));
  CHECK(passes == 0);
  CHECK(task.stop_requested());
}

TEST_CASE("a repeating pass sees stop_requested between its steps", "[app]") {
  asio::io_context ioc;
  int steps = 0;
  int passes = 0;
  std::optional<PeriodicTask> task;
  PeriodicTask::Pass pass = [&]() -> asio::awaitable<void> {
    ++passes;
    asio::steady_timer step(co_await asio::this_coro::executor);
    while (!task->stop_requested()) {  // like the sweep going on while batches come back full
      ++steps;
      if (steps == 5) asio::post(ioc, [&] { task->Stop(); });
      step.expires_after(milliseconds(1));
      co_await step.async_wait(asio::use_awaitable);
    }
  };
  task.emplace(ioc.get_executor(), "repeating", milliseconds(1), pass);
  task->Start();
  ioc.run_for(std::chrono::seconds(10));
  CHECK(ioc.stopped());
  CHECK(passes == 1);
  CHECK(steps >= 5);
  CHECK(steps <= 6);
}

TEST_CASE("stop before start or twice is harmless", "[app]") {
  asio::io_context ioc;
  PeriodicTask::Pass pass = []() -> asio::awaitable<void> { co_return; };
  PeriodicTask task(ioc.get_executor(), "never", milliseconds(1), pass);
  task.Stop();
  task.Stop();
  task.Start();  // a stopped task's loop ends before its first wait
  ioc.run_for(std::chrono::seconds(10));
  CHECK(ioc.stopped());
}

TEST_CASE("a pass that throws ends its task without escaping the context", "[app]") {
  asio::io_context ioc;
  int passes = 0;
  PeriodicTask::Pass pass = [&]() -> asio::awaitable<void> {
    ++passes;
    throw std::runtime_error("boom");
    co_return;
  };
  PeriodicTask task(ioc.get_executor(), "throwing", milliseconds(1), pass);
  task.Start();
  CHECK_NOTHROW(ioc.run_for(std::chrono::seconds(10)));
  CHECK(ioc.stopped());
  CHECK(passes == 1);
}

}  // namespace
}  // namespace strongbox::app
