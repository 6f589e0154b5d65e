#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "core/json_util.h"

namespace strongbox::app {

namespace {

// %* : the message as a JSON string body (quotes and control characters escaped).
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string quoted;
    core::AppendJsonString(&quoted, std::string_view(msg.payload.data(), msg.payload.size()));
    // AppendJsonString writes the surrounding quotes; the pattern has its own.
    dest.append(quoted.data() + 1, quoted.data() + quoted.size() - 1);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

void ConfigureLogging(config::LogLevel level, config::LogFormat format) {
  // The config spellings are spdlog's own level names.
  spdlog::set_level(spdlog::level::from_str(std::string(config::Name(level))));
  if (format == config::LogFormat::kJson) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%*"})");
    spdlog::set_formatter(std::move(formatter));
  }
}

}  // namespace strongbox::app
