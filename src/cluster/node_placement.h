#pragma once

// NodePlacement: the cluster's gate::Placement (proto-docs/cluster.md "Routing"). A request
// for a partition this node owns (and holds a live lease on) is served here; one for a
// partition another node owns is forwarded to that node's advertise URL with the hop header
// `strongbox-forwarded-by: <this node id>`; a request that already carries that header, or
// whose partition is moving or has no known owner, is refused with 503 PARTITION_MOVING and
// retry-after, so a request is forwarded at most once and never loops. A forwarded request
// whose partition another node has taken over meanwhile (seen twice, cluster_tick_ms apart) is
// given up with the same 503 rather than waiting out forward_timeout_ms on an owner that
// stopped answering.
//
// Ownership: the Cluster owns it, with the map and the client it borrows.
// Thread safety: Place from any IO thread.

#include <atomic>
#include <string>

#include "cluster/partition_map.h"
#include "gate/placement.h"
#include "http/forward_client.h"

namespace strongbox::cluster {

inline constexpr const char* kForwardedByHeader = "strongbox-forwarded-by";

class NodePlacement final : public gate::Placement {
 public:
  NodePlacement(std::string node_id, PartitionMap* map, http::ForwardClient* client)
      : node_id_(std::move(node_id)), map_(map), client_(client) {}

  boost::asio::awaitable<Placed> Place(const http::Request& request, Key key) override;
  core::Status Recheck(const std::shared_ptr<const void>& hold) const override;

  uint64_t forwarded() const { return forwarded_.load(); }  // requests relayed to an owner
  uint64_t refused() const { return refused_.load(); }      // 503s while a partition moved

 private:
  const std::string node_id_;
  PartitionMap* map_;
  http::ForwardClient* client_;
  std::atomic<uint64_t> forwarded_{0};
  mutable std::atomic<uint64_t> refused_{0};
};

}  // namespace strongbox::cluster
