#pragma once

// Placement: where a request is served in a cluster (issue #16, proto-docs/cluster.md
// "Routing"). The AccessGate asks it first, for every routed request, with the partition key
// the request names: its path's universe, or — for a request without one that writes (API
// keys, the Idempotency-Key answers of /admin calls) — the system partition; requests that
// neither name a universe nor write (metrics, health, admin reads) are served by any node.
//
// The answer: serve here (holding the partition's in-flight count until the answer is sent,
// so a hand-off can wait for it), or the owner's answer relayed unchanged, or a refusal (503
// PARTITION_MOVING with retry-after) while the partition moves. Authentication, rate limits and
// the handler all run on the node that serves the request, never on the one that forwards.
//
// Ownership: the composition root owns the implementation (cluster/); the gate borrows it.
// Thread safety: Place from any IO thread.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/status.h"
#include "http/message.h"

namespace strongbox::gate {

class Placement {
 public:
  // The partition key of a request: a universe id, or nullopt for the system partition.
  struct Key {
    std::optional<int64_t> universe;
  };
  struct Placed {
    enum class Where { kHere, kForwarded, kRefused } where = Where::kHere;
    http::Response forwarded;          // kForwarded: the owner's answer, relayed unchanged
    core::Status refused;              // kRefused: why (kUnavailable with retryAfterSeconds)
    std::shared_ptr<const void> hold;  // kHere: released when the answer has been produced
  };

  virtual ~Placement() = default;
  virtual boost::asio::awaitable<Placed> Place(const http::Request& request, Key key) = 0;
  // After a read served here (kHere): OK when its partition stayed this node's throughout (and
  // the lease held), else the 503 to answer instead — the cache it read may be stale.
  virtual core::Status Recheck(const std::shared_ptr<const void>& hold) const = 0;
};

}  // namespace strongbox::gate
