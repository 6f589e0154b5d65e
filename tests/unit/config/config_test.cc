#include "config/config.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "support/temp_dir.h"

namespace strongbox::config {
namespace {

TEST_CASE("defaults are documented values", "[config]") {
  auto c = LoadConfig({}, {});
  REQUIRE(c.ok());
  CHECK(c->listen_address == "127.0.0.1");
  CHECK(c->port == 8080);
  CHECK(c->data_dir == "./data");
  CHECK(c->durability == Durability::kSync);
  CHECK(c->max_value_bytes == 4 * 1024 * 1024);
}

TEST_CASE("file, environment and flags apply in that order", "[config]") {
  testing::TempDir dir;
  const std::string file = dir.Child("strongbox.json");
  std::ofstream(file) << R"({"port": 9000, "data_dir": "/from/file", "durability": "wal",
                            "log_level": "debug"})";
  auto c = LoadConfig({"--config", file, "--port=9002"},
                      {{"STRONGBOX_PORT", "9001"}, {"STRONGBOX_DATA_DIR", "/from/env"}});
  REQUIRE(c.ok());
  CHECK(c->port == 9002);                    // flag beats env beats file
  CHECK(c->data_dir == "/from/env");         // env beats file
  CHECK(c->durability == Durability::kWal);  // file beats default
  CHECK(c->log_level == "debug");
  auto via_env = LoadConfig({}, {{"STRONGBOX_CONFIG", file}});
  REQUIRE(via_env.ok());
  CHECK(via_env->port == 9000);
}

TEST_CASE("invalid configuration is rejected with the field named", "[config]") {
  auto expect_error = [](std::vector<std::string> args, const std::string& needle) {
    auto c = LoadConfig(args, {});
    REQUIRE_FALSE(c.ok());
    INFO(c.status().message());
    CHECK(c.status().message().find(needle) != std::string::npos);
  };
  expect_error({"--port", "70000"}, "port");
  expect_error({"--port", "abc"}, "port");
  expect_error({"--durability", "maybe"}, "durability");
  expect_error({"--log-level", "loud"}, "log_level");
  expect_error({"--no-such-flag", "1"}, "unknown flag");
  expect_error({"--port"}, "needs a value");
  expect_error({"--data-dir="}, "data_dir");
  expect_error({"--max-value-bytes", "9000000"}, "max_value_bytes");
  expect_error({"--config", "/nonexistent/strongbox.json"}, "cannot be read");
  auto bad_env = LoadConfig({}, {{"STRONGBOX_IO_THREADS", "-1"}});
  CHECK_FALSE(bad_env.ok());
}

TEST_CASE("unknown keys in the config file are errors", "[config]") {
  testing::TempDir dir;
  const std::string file = dir.Child("c.json");
  std::ofstream(file) << R"({"prot": 1})";
  auto c = LoadConfig({"--config", file}, {});
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().message().find("prot") != std::string::npos);
}

TEST_CASE("help lists every field with flag and environment variable", "[config]") {
  const std::string help = HelpText();
  for (const char* s :
       {"--listen-address", "STRONGBOX_PORT", "--port-file", "--data-dir", "--durability",
        "--io-threads", "--body-limit-bytes", "--header-limit-bytes", "--io-timeout-ms",
        "--max-connections", "--commit-queue-limit", "--shutdown-grace-ms", "--log-level",
        "--max-value-bytes"}) {
    INFO(s);
    CHECK(help.find(s) != std::string::npos);
  }
}

}  // namespace
}  // namespace strongbox::config
