#include "config/config.h"

#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

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
  CHECK(c->log_level == LogLevel::kInfo);
  CHECK(c->log_format == LogFormat::kText);
  CHECK(c->auth == Auth::kRequired);
  CHECK(c->access_log == AccessLog::kOff);
  CHECK(c->metrics_access == MetricsAccess::kLoopback);
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
  CHECK(c->log_level == LogLevel::kDebug);
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
  // Leases: renewed within the lease; in a cluster, within half of it (the read window).
  expect_error({"--partition-lease-ms", "3000", "--partition-renew-ms", "3000"},
               "partition_renew_ms");
  const std::vector<std::string> cluster = {"--storage",
                                            "postgres",
                                            "--postgres-url",
                                            "postgresql://127.0.0.1/sb",
                                            "--cluster",
                                            "on",
                                            "--advertise-url",
                                            "http://127.0.0.1:8080",
                                            "--partition-lease-ms",
                                            "3000"};
  auto with_renew = [&](const std::string& renew) {
    std::vector<std::string> args = cluster;
    args.insert(args.end(), {"--partition-renew-ms", renew});
    return args;
  };
  expect_error(with_renew("1501"), "partition_renew_ms");
  auto half = LoadConfig(with_renew("1500"), {});
  INFO(half.status().message());
  CHECK(half.ok());
  CHECK(LoadConfig({"--partition-lease-ms", "3000", "--partition-renew-ms", "2000"}, {}).ok());
}

// Every setting that is a choice: its field name, and each spelling with the value it means.
struct ChoiceCase {
  std::string field;
  std::vector<std::string> spellings;
  std::function<int(const Config&)> value;  // the parsed enum, as an int
  std::vector<int> expected;                // per spelling
};

std::vector<ChoiceCase> ChoiceCases() {
  auto as_int = [](auto member) {
    return [member](const Config& c) { return static_cast<int>(c.*member); };
  };
  return {
      {"durability",
       {"sync", "wal"},
       as_int(&Config::durability),
       {int(Durability::kSync), int(Durability::kWal)}},
      {"log_level",
       {"trace", "debug", "info", "warn", "error", "critical", "off"},
       as_int(&Config::log_level),
       {int(LogLevel::kTrace), int(LogLevel::kDebug), int(LogLevel::kInfo), int(LogLevel::kWarn),
        int(LogLevel::kError), int(LogLevel::kCritical), int(LogLevel::kOff)}},
      {"log_format",
       {"text", "json"},
       as_int(&Config::log_format),
       {int(LogFormat::kText), int(LogFormat::kJson)}},
      {"auth",
       {"required", "disabled"},
       as_int(&Config::auth),
       {int(Auth::kRequired), int(Auth::kDisabled)}},
      {"access_log",
       {"off", "on"},
       as_int(&Config::access_log),
       {int(AccessLog::kOff), int(AccessLog::kOn)}},
      {"metrics_access",
       {"loopback", "open", "key"},
       as_int(&Config::metrics_access),
       {int(MetricsAccess::kLoopback), int(MetricsAccess::kOpen), int(MetricsAccess::kKey)}},
  };
}

std::string Flag(std::string field) {
  for (char& ch : field) {
    if (ch == '_') ch = '-';
  }
  return "--" + field;
}

std::string Env(std::string field) {
  for (char& ch : field) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return "STRONGBOX_" + field;
}

TEST_CASE("every spelling of every choice parses from flag, env and file", "[config]") {
  testing::TempDir dir;
  for (const auto& choice : ChoiceCases()) {
    for (size_t i = 0; i < choice.spellings.size(); ++i) {
      const std::string& spelling = choice.spellings[i];
      INFO(choice.field << " = " << spelling);
      auto by_flag = LoadConfig({Flag(choice.field), spelling}, {});
      REQUIRE(by_flag.ok());
      CHECK(choice.value(*by_flag) == choice.expected[i]);
      auto by_env = LoadConfig({}, {{Env(choice.field), spelling}});
      REQUIRE(by_env.ok());
      CHECK(choice.value(*by_env) == choice.expected[i]);
      const std::string file = dir.Child(choice.field + "-" + spelling + ".json");
      std::ofstream(file) << "{\"" << choice.field << "\": \"" << spelling << "\"}";
      auto by_file = LoadConfig({"--config", file}, {});
      REQUIRE(by_file.ok());
      CHECK(choice.value(*by_file) == choice.expected[i]);
      // Name() gives back the spelling, for logs and --help.
      std::string named;
      if (choice.field == "durability") named = Name(by_flag->durability);
      if (choice.field == "log_level") named = Name(by_flag->log_level);
      if (choice.field == "log_format") named = Name(by_flag->log_format);
      if (choice.field == "auth") named = Name(by_flag->auth);
      if (choice.field == "access_log") named = Name(by_flag->access_log);
      if (choice.field == "metrics_access") named = Name(by_flag->metrics_access);
      CHECK(named == spelling);
    }
  }
}

TEST_CASE("an invalid choice is refused naming the field and the allowed values", "[config]") {
  for (const auto& choice : ChoiceCases()) {
    std::string allowed;
    for (const auto& spelling : choice.spellings) {
      allowed += (allowed.empty() ? "" : ", ") + spelling;
    }
    const std::string expected = "config " + choice.field + ": 'Bogus' is not one of " + allowed;
    INFO(choice.field);
    auto by_flag = LoadConfig({Flag(choice.field), "Bogus"}, {});
    REQUIRE_FALSE(by_flag.ok());
    CHECK(by_flag.status().code() == core::StatusCode::kInvalidArgument);
    CHECK(by_flag.status().message() == expected);
    auto by_env = LoadConfig({}, {{Env(choice.field), "Bogus"}});
    REQUIRE_FALSE(by_env.ok());
    CHECK(by_env.status().message() == expected);
    // Spellings are exact: no case folding, no surrounding space.
    CHECK_FALSE(LoadConfig({Flag(choice.field), choice.spellings[0] + " "}, {}).ok());
    std::string upper = choice.spellings[0];
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    CHECK_FALSE(LoadConfig({Flag(choice.field), upper}, {}).ok());
  }
}

TEST_CASE("help lists each choice field's allowed values and default", "[config]") {
  const std::string help = HelpText();
  for (const auto& choice : ChoiceCases()) {
    INFO(choice.field);
    const size_t at = help.find("  " + Flag(choice.field) + "  ");
    REQUIRE(at != std::string::npos);
    const size_t next = help.find("\n  --", at + 1);
    const std::string block = help.substr(at, next == std::string::npos ? next : next - at);
    INFO(block);
    for (const auto& spelling : choice.spellings) CHECK(block.find(spelling) != std::string::npos);
  }
  CHECK(help.find("default sync\n") != std::string::npos);
  CHECK(help.find("default info\n") != std::string::npos);
  CHECK(help.find("default loopback\n") != std::string::npos);
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
