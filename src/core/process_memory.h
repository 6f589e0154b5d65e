#pragma once

// ProcessMemory: how much memory this process holds and may hold, for /metrics and the shipped
// alert "memory near its limit" (docker/prometheus/strongbox-alerts.yml, issue #19).
//
//   ResidentBytes()      the resident set, bytes (Linux /proc/self/statm × the page size);
//   MemoryLimitBytes()   the cgroup v2 memory limit, bytes (/sys/fs/cgroup/memory.max): what a
//                        container or systemd unit (MemoryMax=) is allowed before the kernel's
//                        OOM killer acts. nullopt when unlimited ("max") or not readable.
//
// Both read the kernel's files on each call (a few µs; /metrics is scraped every few seconds).
// Thread safety: pure functions.

#include <cstdint>
#include <optional>

namespace strongbox::core {

std::optional<uint64_t> ResidentBytes();
std::optional<uint64_t> MemoryLimitBytes();

}  // namespace strongbox::core
