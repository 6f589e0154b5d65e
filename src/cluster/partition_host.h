#pragma once

// PartitionHost: what the services keep in memory per partition, as the Coordinator moves
// partitions on and off this node (proto-docs/cluster.md "Hand-off", "Takeover"). The cache
// rows themselves are the Coordinator's business (store/pg_cache.h); this is everything built
// from them: the leaderboards' rank index, the queues' read hints and long polls, and the API
// keys in memory.
//
// Ownership: the composition root implements and owns it. Thread safety: called from the
// Coordinator's thread only, while the services serve other partitions.

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/partition.h"

namespace strongbox::cluster {

class PartitionHost {
 public:
  virtual ~PartitionHost() = default;
  // `partitions` were just claimed and their cache rows loaded; no write of theirs is admitted
  // yet. Rebuilds their in-memory state (the system partition: the API keys from the cache).
  virtual core::Status Load(const std::set<store::PartitionId>& partitions) = 0;
  // `partitions` are no longer this node's: forgets their in-memory state.
  virtual void Drop(const std::set<store::PartitionId>& partitions) = 0;
  // Wakes every long poll (queue reads, lock acquires with a waitTime) to ask again whether its
  // partition is still served here; those of a partition that moved answer 503.
  virtual void Wake() = 0;
  // On a node that does not own the system partition: the API keys as PostgreSQL holds them
  // (its `auth` rows: key, value) replace those in memory.
  virtual core::Status ReplaceKeys(
      const std::vector<std::pair<std::string, std::string>>& rows) = 0;
};

}  // namespace strongbox::cluster
