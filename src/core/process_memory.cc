#include "core/process_memory.h"

#include <unistd.h>

#include <fstream>
#include <string>

#include "core/strings.h"

namespace strongbox::core {

std::optional<uint64_t> ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return std::nullopt;
  const long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) return std::nullopt;
  return resident_pages * static_cast<uint64_t>(page);
}

std::optional<uint64_t> MemoryLimitBytes() {
  std::ifstream max("/sys/fs/cgroup/memory.max");
  std::string text;
  if (!(max >> text) || text == "max") return std::nullopt;
  return ParseUint64(text);
}

}  // namespace strongbox::core
