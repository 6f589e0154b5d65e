#include "app/periodic_task.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <utility>

namespace strongbox::app {

namespace asio = boost::asio;

PeriodicTask::PeriodicTask(asio::any_io_executor executor, std::string name,
                           std::chrono::milliseconds interval, Pass pass)
    : name_(std::move(name)),
      interval_(interval),
      pass_(std::move(pass)),
      timer_(std::move(executor)) {}

void PeriodicTask::Start() {
  asio::co_spawn(timer_.get_executor(), Loop(), [name = name_](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("{} stopped: {}", name, e.what());
    } catch (...) {
      spdlog::error("{} stopped by an unknown exception", name);
    }
  });
}

void PeriodicTask::Stop() {
  stopping_ = true;
  timer_.cancel();
}

asio::awaitable<void> PeriodicTask::Loop() {
  while (!stopping_) {
    timer_.expires_after(interval_);
    auto [wait_error] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (wait_error || stopping_) break;
    co_await pass_();
  }
}

}  // namespace strongbox::app
