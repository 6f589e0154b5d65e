#pragma once

// Partitions: the unit of ownership of the PostgreSQL storage (proto-docs/storage-postgres.md)
// and of the cluster (issue #16). Every stored row belongs to exactly one partition, derived
// from the universe its key starts with, so a node that owns a partition owns all of that
// universe's rows and can evaluate every mutation of it alone.
//
// Shapes: partitions are numbered 0 .. count-1 for universes, and `count` itself is the system
// partition (API keys, and rows of universe 0: the Idempotency-Key answers of /admin calls).
// `count` is fixed when the database is initialised (strongbox_meta 'partitions').
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"
#include "store/column_families.h"

namespace strongbox::store {

using PartitionId = uint32_t;

// hash(universe) mod count, with a hash that never changes between builds (FNV-1a 64 of the
// universe's 8 key-codec bytes); universe 0 → the system partition (`count`).
PartitionId PartitionOfUniverse(int64_t universe, uint32_t count);

// The partition of a stored row, from its column family and key alone: the universe is the
// key's first field in every family except `auth` (system partition) and `expiry` (time and
// kind first, then the row's key in its own family, which starts with the universe). nullopt
// for a key too short to hold its universe (never written by Strongbox) and for `default`.
std::optional<PartitionId> PartitionOfKey(ColumnFamily cf, std::string_view key, uint32_t count);

// kUnavailable, reason PARTITION_MOVING, retryAfterSeconds 1: the partition is changing owner
// (a hand-off or takeover, proto-docs/cluster.md); a retry — on any node — reaches its owner.
core::Status PartitionMoving(PartitionId partition);

}  // namespace strongbox::store
