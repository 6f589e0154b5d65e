#include "http/io_context_pool.h"

#include <thread>

namespace strongbox::http {

IoContextPool::IoContextPool(size_t size) {
  if (size == 0) size = 1;
  for (size_t i = 0; i < size; ++i) {
    // Concurrency hint 1: each context is run by exactly one thread, so Asio can skip locking.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

void IoContextPool::Run() {
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([ctx = contexts_[i].get()] { ctx->run(); });
  }
  contexts_.front()->run();
  for (auto& t : threads) t.join();
}

void IoContextPool::Stop() {
  for (auto& guard : guards_) guard.reset();
  for (auto& ctx : contexts_) ctx->stop();
}

boost::asio::io_context& IoContextPool::Next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

}  // namespace strongbox::http
