#pragma once

// Process-wide log setup: level, and the text or JSON line format (config log_format).

#include "config/config.h"

namespace strongbox::app {

// kJson: one object per line, {"time","level","msg"}, time in UTC.
void ConfigureLogging(config::LogLevel level, config::LogFormat format);

}  // namespace strongbox::app
