#pragma once

// Transactions and batch reads (api.md §8): `POST /cloud/v2/universes/{u}:commit`, several
// writes of one universe in one mutation, all or nothing, guarded by several fencing tokens;
// and `:batchGet` of up to 100 data store entries (one RocksDB snapshot) or ordered entries
// with their ranks (one settled read of the rank index).
//
// A universe is one partition (proto-docs/cluster.md), so a commit is always one node's one
// sequencer: the mutation runs every operation in order inside one save point and stages the
// Idempotency-Key answer with them. Each operation's scopes are checked against the caller's
// key before anything is staged (403 naming the operation's index).

#include "api/services.h"
#include "gate/route_spec.h"

namespace strongbox::api {

void RegisterCommitRoutes(gate::RouteTable& table, const Services& services);

}  // namespace strongbox::api
