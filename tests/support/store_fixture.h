#pragma once

// For unit tests of store/ and the domain modules: a real RocksDB in a fresh temporary
// directory (tiny write buffer, so flushes happen), its commit pipeline, and Await() to run a
// coroutine to completion. No mock of the storage engine.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <memory>

#include "store/commit_pipeline.h"
#include "store/engine.h"
#include "support/temp_dir.h"

namespace strongbox::testing {

struct StoreFixture {
  // `write_buffer_bytes`: small by default so flushes happen; a test that writes millions of rows
  // takes the engine's usual size.
  explicit StoreFixture(size_t write_buffer_bytes = 64 * 1024)
      : write_buffer_bytes_(write_buffer_bytes) {
    Open();
  }
  // With a change log (store/change_log.h) the pipeline writes records into; `log` outlives it.
  explicit StoreFixture(const store::ChangeLog* log) : write_buffer_bytes_(64 * 1024), log_(log) {
    Open();
  }
  ~StoreFixture() { pipeline->Stop(); }

  // Closes the database cleanly and opens it again, as a restart would.
  void Reopen() {
    pipeline->Stop();
    pipeline.reset();
    REQUIRE(engine->Close().ok());
    engine.reset();
    Open();
  }

  template <class T>
  static T Await(boost::asio::awaitable<T> awaitable) {
    boost::asio::io_context ioc;
    auto result = boost::asio::co_spawn(ioc, std::move(awaitable), boost::asio::use_future);
    ioc.run();
    return result.get();
  }

  TempDir dir;
  std::unique_ptr<store::Engine> engine;
  std::unique_ptr<store::CommitPipeline> pipeline;

 private:
  size_t write_buffer_bytes_;
  const store::ChangeLog* log_ = nullptr;
  void Open() {
    store::Engine::Options options;
    options.path = dir.path();
    options.write_buffer_size = write_buffer_bytes_;
    auto opened = store::Engine::Open(options);
    REQUIRE(opened.ok());
    engine = std::move(opened).value();
    pipeline =
        std::make_unique<store::CommitPipeline>(engine.get(), store::CommitPipeline::Options{},
                                                /*durable=*/nullptr, log_);
  }
};

}  // namespace strongbox::testing
