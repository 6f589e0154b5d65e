#pragma once

// The console's static files (proto-docs/console.md), compiled into the binary: index.html, its
// script and style sheet. Served by api/console_routes.cc under /console/.
// Ownership: static storage, alive for the whole process. Thread safety: read-only, any thread.

#include <optional>
#include <string_view>

namespace strongbox::console {

struct Asset {
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;
};

// The asset named `name` (a file name such as "console.js"; "" is index.html), or nullopt.
std::optional<Asset> FindAsset(std::string_view name);

}  // namespace strongbox::console
