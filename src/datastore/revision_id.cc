#include "datastore/revision_id.h"

#include <cstdio>

#include "core/strings.h"

namespace strongbox::datastore {
namespace {

// .NET ticks at the Unix epoch.
constexpr int64_t kUnixEpochTicks = 621'355'968'000'000'000;

uint64_t Ticks(core::Timestamp t) {
  return static_cast<uint64_t>(core::ToUnixNanos(t) / 100 + kUnixEpochTicks);
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string FormatRevisionId(const EntryRecord& r) {
  char counter[24];
  std::snprintf(counter, sizeof(counter), "%010llu", static_cast<unsigned long long>(r.revision));
  return core::HexUpper(Ticks(r.create_time), 16) + "." + counter + "." +
         core::HexUpper(Ticks(r.revision_time), 16) + ".01";
}

std::optional<uint64_t> ParseRevisionCounter(std::string_view id) {
  // 16 + 1 + >=10 + 1 + 16 + 3
  if (id.size() < 47 || id.substr(id.size() - 3) != ".01") return std::nullopt;
  if (id[16] != '.' || !IsHex(id.substr(0, 16))) return std::nullopt;
  std::string_view rest = id.substr(17, id.size() - 17 - 3);
  auto dot = rest.find('.');
  if (dot == std::string_view::npos || rest.size() - dot - 1 != 16 ||
      !IsHex(rest.substr(dot + 1))) {
    return std::nullopt;
  }
  return core::ParseUint64(rest.substr(0, dot));
}

}  // namespace strongbox::datastore
