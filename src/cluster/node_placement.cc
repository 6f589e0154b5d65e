#include "cluster/node_placement.h"

namespace strongbox::cluster {

namespace asio = boost::asio;

asio::awaitable<gate::Placement::Placed> NodePlacement::Place(const http::Request& request,
                                                              Key key) {
  const store::PartitionId partition =
      key.universe ? store::PartitionOfUniverse(*key.universe, map_->partitions())
                   : map_->partitions();
  Placed placed;
  if (map_->Serves(partition, std::chrono::steady_clock::now())) {
    auto hold = map_->Hold(partition);
    // Re-read after taking the hold: a hand-off that marked it moving meanwhile waits for
    // holds taken before its mark, and this one must not slip past it.
    if (hold && map_->StillServing(*hold, std::chrono::steady_clock::now())) {
      placed.hold = std::move(hold);
      co_return placed;
    }
  }
  const PartitionMap::Entry entry = map_->Get(partition);  // the owner's URL: not on the hot path
  const bool forwarded_already = request.Header(kForwardedByHeader).has_value();
  if (entry.state != PartitionMap::State::kRemote || entry.owner_url.empty() ||
      entry.owner_id == node_id_ || forwarded_already) {
    ++refused_;
    placed.where = Placed::Where::kRefused;
    placed.refused = store::PartitionMoving(partition);
    co_return placed;
  }
  // Named, not a braced temporary in the co_await (GCC 12 miscompiles those).
  std::vector<std::pair<std::string, std::string>> hop;
  hop.emplace_back(kForwardedByHeader, node_id_);
  hop.emplace_back("x-request-id", request.request_id);
  // Given up (503, retryable) once another node has the partition: an owner that stopped
  // answering (paused, cut off) would otherwise hold the request for forward_timeout_ms. And
  // once the client has hung up: closing the forwarded connection ends the owner's long poll
  // too, so it hands no item or lock to a caller that is gone.
  core::ClientGoneFlag client_gone = request.watch_client ? request.watch_client(nullptr) : nullptr;
  std::function<bool()> still_owner = [map = map_, partition, owner = entry.owner_id, client_gone] {
    if (client_gone != nullptr && client_gone->load()) return false;
    const PartitionMap::Entry now = map->Get(partition);
    return now.state == PartitionMap::State::kRemote && now.owner_id == owner;
  };
  auto answer =
      co_await client_->Send(entry.owner_url, request, std::move(hop), std::move(still_owner));
  if (!answer.ok()) {
    ++refused_;
    placed.where = Placed::Where::kRefused;
    placed.refused = answer.status();
    co_return placed;
  }
  ++forwarded_;
  placed.where = Placed::Where::kForwarded;
  placed.forwarded = std::move(answer).value();
  co_return placed;
}

core::Status NodePlacement::Recheck(const std::shared_ptr<const void>& hold) const {
  if (hold == nullptr) return core::Status::Ok();
  const auto& held = *std::static_pointer_cast<const PartitionMap::Held>(hold);
  if (map_->StillServing(held, std::chrono::steady_clock::now())) return core::Status::Ok();
  ++refused_;
  return store::PartitionMoving(held.partition);
}

}  // namespace strongbox::cluster
