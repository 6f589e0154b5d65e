#pragma once

// QueueService: memory-store queues (api.md §5). Items are read highest priority first, FIFO
// within a priority. A read makes its items invisible for a window and hands back a read id;
// discarding that id removes them, otherwise they become visible again when the window ends.
// [SB] An item returned maxDeliveries times without a discard moves to the queue's dead-letter
// queue (or is dropped without one) instead of being delivered again. [SB] A read may wait
// (waitTime): the coroutine sleeps without a thread until an add to the queue commits, an
// invisibility window ends, or the wait is over.
//
// Every state change, reads included, is one Mutation through the CommitPipeline, so two
// readers can never take the same item within its window, and a restart keeps items, TTLs and
// invisibility. Expired items are skipped at once and reclaimed by the expiry sweeper.
//
// Ownership: app/ owns it. Thread safety: all methods may be called concurrently.
// Durability: a call's awaitable completes OK only once its commit is durable.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/client_watch.h"
#include "core/clock.h"
#include "core/keyed_waiters.h"
#include "core/status.h"
#include "memstore/queue_item.h"
#include "memstore/sorted_map_service.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::memstore {

struct QueueItem {
  std::string id;  // the item's sequence number, 16 hex digits
  QueueItemRecord record;
};

struct QueueRead {
  std::string read_id;  // "" when nothing was read
  std::vector<QueueItem> items;
};

struct QueueInfo {
  QueueSettings settings;
  size_t size = 0;            // live items, visible or not
  size_t invisible_size = 0;  // live items inside a read's window
};

class QueueService {
 public:
  // A request's lock guard and Idempotency-Key record (store/write_context.h), applied in the
  // write's own commit.
  template <class T>
  using Context = store::WriteContext<T>;

  QueueService(const store::Engine* engine, store::CommitPipeline* pipeline,
               const core::Clock* clock, MemoryStoreLimits limits,
               std::chrono::nanoseconds max_wait);

  boost::asio::awaitable<core::Result<QueueItem>> Add(QueueName name, std::string data,
                                                      double priority, std::chrono::nanoseconds ttl,
                                                      Context<QueueItem> context = {});
  // The same add, staged for a caller that commits several writes in one mutation (api.md
  // §8): the same argument errors now, the same checks and rows inside the commit; the
  // long-poll wake-up runs once that commit is durable.
  core::Result<store::Staged<QueueItem>> StageAdd(QueueName name, std::string data, double priority,
                                                  std::chrono::nanoseconds ttl);

  struct ReadRequest {
    size_t count = 1;  // 1–200
    bool all_or_nothing = false;
    std::chrono::nanoseconds invisibility = std::chrono::seconds(30);
    std::chrono::nanoseconds wait{0};  // [SB] long poll
    // Who the change log names for the read's "read" records (null: the server).
    std::shared_ptr<const store::ChangeWriter> writer;
    // http::Request::watch_client: asked before the first sleep. Once its flag is true (the
    // client closed its connection) the read takes nothing more: what it was woken for goes
    // to the next sleeping read. The close wakes a sleeping read at once. Null: the caller
    // cannot tell.
    core::WatchClient watch_client;
  };
  // kNotFound when `all_or_nothing` and fewer than `count` items are visible (after the wait);
  // kUnavailable when the client went away during the wait (nobody reads that answer).
  boost::asio::awaitable<core::Result<QueueRead>> Read(QueueName name, ReadRequest request);

  // Removes the items of a read. kNotFound when the read id is unknown or its window ended.
  boost::asio::awaitable<core::Result<QueueRead>> Discard(QueueName name, std::string read_id,
                                                          Context<QueueRead> context = {});

  core::Result<QueueInfo> Info(const QueueName& name) const;

  // How many queues have a read position kept in memory (one per queue read while it held
  // rows; none for a name read while empty, so reads of made-up names cost no memory). For
  // tests: call it while no commit runs (the sequencer owns those positions).
  size_t PositionsKept() const { return heads_.size(); }

  // [SB] The first `count` live items in read order, visible or not, as committed now, without
  // reading them: nothing becomes invisible and no delivery is counted (api.md §5 `:peek`, for
  // the console, where looking must not take items from the game servers that consume them).
  // Each item's record says whether it is inside a read's window (invisible_until) and how often
  // it was delivered. Scans from the queue's first row, so it walks the tombstones a busy queue
  // leaves until compaction: a support tool, not a consumer's path.
  core::Result<std::vector<QueueItem>> Peek(const QueueName& name, size_t count) const;

  // For a draining server: every long-poll Read answers now with what it finds (empty arrays,
  // as when its waitTime ends), and none waits from here on, so no client is left without an
  // answer when the process exits. Thread-safe; idempotent.
  void StopWaiting();

  // Cluster mode, when a partition changes owner: forgets the read hints (heads) of the queues
  // whose key prefix `in_scope` accepts, so reads there start from the first row again (long
  // polls are woken apart, WakeWaiters). REQUIRES: the sequencer thread (run it inside a
  // mutation), like every other use of the hints.
  void ForgetHeads(const std::function<bool(std::string_view prefix)>& in_scope);
  // Cluster mode: whether this node still serves a universe (OK) or why not (503
  // PARTITION_MOVING). A waiting long poll asks it each time it wakes and answers that status
  // instead of waiting on a queue another node now owns. REQUIRES: before serving.
  void SetServing(std::function<core::Status(int64_t universe)> serving) {
    serving_ = std::move(serving);
  }
  // Wakes every waiting read to look again (and ask SetServing's function). Thread-safe.
  void WakeWaiters() { waiters_.WakeAll(); }

  // The item count of up to `max` queues (in key order), one seek per queue, for metrics.
  struct Depth {
    QueueName name;
    uint64_t items = 0;
  };
  core::Result<std::vector<Depth>> Depths(size_t max) const;
  // Sets maxDeliveries / deadLetterQueue (those given).
  boost::asio::awaitable<core::Result<QueueInfo>> UpdateSettings(
      QueueName name, std::optional<uint64_t> max_deliveries,
      std::optional<std::string> dead_letter_queue, Context<QueueInfo> context = {});

  // For the expiry sweeper, inside its mutation: removes the queue row `key` of kind `kind` if
  // it still expires at `expire_time`. Returns whether it removed something.
  static core::Result<bool> ReclaimExpired(store::WriteView& view, ExpiryKind kind,
                                           std::string_view key, core::Timestamp expire_time);

 private:
  struct Head;
  // What one read attempt saw of a queue, before it stages anything.
  struct ReadScan {
    std::map<std::string, QueueItemRecord> visible;    // by key, the read order
    std::vector<std::string> gone;                     // tracked keys that no longer need tracking
    std::map<std::string, core::Timestamp> tracked;    // invisible rows to track → window end
    std::string first_visible;                         // where the head may rise to
    core::Timestamp wake_at = core::Timestamp::max();  // earliest end of a skipped window
    bool truncated = false;  // stopped at the most dead-letter moves one read makes
    bool saw_rows = false;   // met any row of the queue (visible, invisible or tracked)
  };
  // What one read attempt saw, for the long poll around it.
  struct AttemptSeen {
    core::Timestamp wake_at = core::Timestamp::max();  // earliest end of a window it skipped
    uint64_t visible = 0;    // deliverable items it saw (what a failed allOrNothing read found)
    bool truncated = false;  // moved the most dead-letter items one read moves: look again now
  };
  // The first half of a read, inside its mutation: the visible items from the head on (at most
  // `count` from the scan, not counting those delivered `max_deliveries` times, which the read
  // moves out) and the tracked ones whose window ended. Reads the hints, changes nothing. A read
  // scans twice its own count: what it leaves visible says how many sleeping reads to wake.
  core::Result<ReadScan> ScanForRead(const store::WriteView& view, const QueueName& name,
                                     size_t count, uint64_t max_deliveries,
                                     core::Timestamp now) const;
  // One read attempt; `seen` gets what it saw.
  boost::asio::awaitable<core::Result<QueueRead>> ReadOnce(const QueueName& name,
                                                           const ReadRequest& request,
                                                           AttemptSeen* seen);
  uint64_t NextSeq(core::Timestamp now);
  // An item key at `priority` that no row uses, with its seq.
  core::Result<std::string> FreeItemKey(const store::WriteView& view, const QueueName& name,
                                        double priority, core::Timestamp now, uint64_t* seq);

  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const core::Clock* clock_;
  const MemoryStoreLimits limits_;
  const std::chrono::nanoseconds max_wait_;
  std::atomic<uint64_t> last_seq_{0};

  // Where a queue's visible items start, as far as is known, and the invisible items that may
  // lie below that point. Every live item is either at or above `key`, or in `invisible`.
  // Reads seek to `key` instead of the first row, so they do not walk over the tombstones of
  // consumed items (an LSM keeps them until compaction), nor over the tombstones behind an item
  // a slow consumer holds. Items in `invisible` are checked by key when their window ends.
  // A change that could hide an item — raising `key`, forgetting a tracked item — is made only
  // by an OnCommitted hook, once the batch is durable: a failed or rolled-back read leaves the
  // hints as they were. A lowering cannot hide anything, and a read staged later in the same
  // batch must scan from it, so an add (or a move to a dead-letter queue) lowers `key` in its
  // mutation, and again in its hook: hooks run in the order of their mutations, so a read's
  // raise to the first visible row it saw is undone by the hook of any add staged after that
  // read in the same batch, and the head ends where a one-by-one commit would have left it
  // (an add staged before the read was seen by the read's scan). Touched only on the sequencer
  // thread. A restart starts from the first row and finds everything again.
  struct Head {
    std::string key;                                   // "" = unknown: the start of the queue
    std::map<std::string, core::Timestamp> invisible;  // item key → end of its window
  };
  void LowerHead(const std::string& prefix, const std::string& key);
  std::map<std::string, Head> heads_;  // a map: references stay valid across inserts
  core::KeyedWaiters waiters_;         // sleeping Read coroutines, by queue prefix
  std::atomic<bool> stop_waiting_{false};
  std::function<core::Status(int64_t universe)> serving_;  // null: one node serves everything
};

}  // namespace strongbox::memstore
