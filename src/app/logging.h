#pragma once

// Process-wide log setup: level, and the text or JSON line format (config log_format).

#include <string>

namespace strongbox::app {

// `format` is "text" or "json": one object per line, {"time","level","msg"}, time in UTC.
void ConfigureLogging(const std::string& level, const std::string& format);

}  // namespace strongbox::app
