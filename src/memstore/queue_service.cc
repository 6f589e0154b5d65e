#include "memstore/queue_service.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "core/strings.h"
#include "memstore/item_count.h"
#include "memstore/limits.h"
#include "memstore/usage.h"
#include "store/key_codec.h"
#include "store/value_codec.h"

namespace strongbox::memstore {

namespace asio = boost::asio;
using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

constexpr size_t kMaxReadCount = 200;

// The count key of the queue an item or read key belongs to.
std::string CountKeyOf(std::string_view key) {
  std::string_view in = key;
  int64_t universe;
  std::string queue;
  if (!store::GetKeyInt64(&in, &universe) || !store::GetKeyString(&in, &queue)) return {};
  return QueueCountKey(QueueName{universe, queue});
}

std::string ItemId(std::string_view item_key) {
  uint64_t seq = 0;
  ParseQueueItemSeq(item_key, &seq);
  return core::HexUpper(seq, 16);
}

Result<QueueSettings> ReadSettings(const store::WriteView& view, const QueueName& name) {
  SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kQueues, QueueSettingsKey(name)));
  if (!bytes) return QueueSettings{};
  return DecodeQueueSettings(*bytes);
}

// A queue's size and invisible size through `reader` (a ReadSnapshot, or a WriteView inside a
// mutation: either reads one instant), in O(reads in flight + their items), not O(items), so a
// million-item queue answers at once (issue #20). Size is the count row the writes keep (an expired
// item counts until the sweeper reclaims it); invisible items are those of the reads whose window
// is open, each one checked (still there, still that read's, not expired).
template <class Reader>
Status CountItems(const Reader& reader, const QueueName& name, core::Timestamp now,
                  QueueInfo* info) {
  SB_ASSIGN_OR_RETURN(auto count, reader.Get(ColumnFamily::kQueues, QueueCountKey(name)));
  if (count) {
    SB_ASSIGN_OR_RETURN(uint64_t items, DecodeItemCount(*count));
    info->size = static_cast<size_t>(items);
  }
  const std::string reads = QueueItemsEnd(name);  // the read rows follow the item rows
  auto it = reader.NewIterator(ColumnFamily::kQueues, reads, store::PrefixSuccessor(reads));
  for (it->Seek(reads); it->Valid(); it->Next()) {
    SB_ASSIGN_OR_RETURN(QueueReadRecord read, DecodeQueueReadRecord(it->value()));
    if (read.invisible_until <= now) continue;
    std::string_view rest = it->key().substr(reads.size());
    std::string read_id;
    if (!store::GetKeyString(&rest, &read_id)) return Status::Internal("corrupt queue read key");
    for (const auto& key : read.item_keys) {
      SB_ASSIGN_OR_RETURN(auto bytes, reader.Get(ColumnFamily::kQueues, key));
      if (!bytes) continue;
      SB_ASSIGN_OR_RETURN(QueueItemRecord r, DecodeQueueItemRecord(*bytes));
      if (r.read_id == read_id && !r.VisibleAt(now) && !r.ExpiredAt(now)) ++info->invisible_size;
    }
  }
  return it->status();
}

}  // namespace

QueueService::QueueService(const store::Engine* engine, store::CommitPipeline* pipeline,
                           const core::Clock* clock, MemoryStoreLimits limits,
                           std::chrono::nanoseconds max_wait)
    : engine_(engine), pipeline_(pipeline), clock_(clock), limits_(limits), max_wait_(max_wait) {}

void QueueService::LowerHead(const std::string& prefix, const std::string& key) {
  // No head known: reads start from the queue's first row already. Not creating one here keeps
  // a rolled-back add (a failed transaction) from leaving a Head behind for a queue name.
  auto found = heads_.find(prefix);
  if (found == heads_.end()) return;
  Head& head = found->second;
  if (!head.key.empty() && key < head.key) head.key = key;
}

uint64_t QueueService::NextSeq(core::Timestamp now) {
  // Called on the sequencer only; FIFO across restarts as long as the clock does not go back.
  const uint64_t next =
      std::max<uint64_t>(static_cast<uint64_t>(core::ToUnixNanos(now)), last_seq_.load() + 1);
  last_seq_.store(next);
  return next;
}

Result<std::string> QueueService::FreeItemKey(const store::WriteView& view, const QueueName& name,
                                              double priority, core::Timestamp now, uint64_t* seq) {
  // After a restart the counter starts from the clock; should the clock have gone back, the
  // key may be taken: move on until it is free.
  for (;;) {
    *seq = NextSeq(now);
    std::string key = QueueItemKey(name, priority, *seq);
    SB_ASSIGN_OR_RETURN(auto taken, view.Get(ColumnFamily::kQueues, key));
    if (!taken) return key;
  }
}

Result<store::Staged<QueueItem>> QueueService::StageAdd(QueueName name, std::string data,
                                                        double priority,
                                                        std::chrono::nanoseconds ttl) {
  SB_RETURN_IF_ERROR(ValidateQueueName(name));
  SB_RETURN_IF_ERROR(CheckItemBytes(data.size(), "data", limits_));
  SB_RETURN_IF_ERROR(CheckTtl(ttl, limits_));
  const size_t max_items = limits_.max_items_per_structure;
  const uint64_t quota = limits_.max_bytes_per_universe;
  return store::Staged<QueueItem>([this, name, data = std::move(data), priority, ttl, max_items,
                                   quota](store::WriteView& view) -> Result<QueueItem> {
    QueueItem out;
    const core::Timestamp now = clock_->Now();
    const std::string count_key = QueueCountKey(name);
    SB_ASSIGN_OR_RETURN(uint64_t count, ReadItemCount(view, ColumnFamily::kQueues, count_key));
    if (count >= max_items) {
      return LimitExceeded("The queue holds " + std::to_string(count) +
                               " items, the limit (config memstore_max_items_per_structure).",
                           "memstore_max_items_per_structure", max_items);
    }
    QueueItemRecord record{data, priority, now + ttl, {}, "", 0};
    SB_RETURN_IF_ERROR(
        ChargeUsage(view, name.universe, static_cast<int64_t>(ChargedBytes(record)), quota));
    WriteItemCount(view, ColumnFamily::kQueues, count_key, count + 1);
    uint64_t seq;
    SB_ASSIGN_OR_RETURN(std::string key, FreeItemKey(view, name, priority, now, &seq));
    view.Put(ColumnFamily::kQueues, key, EncodeQueueItemRecord(record));
    view.Put(ColumnFamily::kExpiry, ExpiryKey(record.expire_time, ExpiryKind::kQueueItem, key), "");
    // Lowered now, not once durable: a read staged later in this batch must scan from here to
    // see the item. A lowering can only make a scan start earlier (should the batch fail, the
    // next read's raise puts the head back); only raises, which could hide an item, wait for
    // durability.
    LowerHead(QueuePrefix(name), key);
    view.OnCommitted([this, prefix = QueuePrefix(name), key] {
      LowerHead(prefix, key);  // after the raise of any read staged before it (see Head)
      waiters_.WakeOne(prefix);
    });
    out = QueueItem{core::HexUpper(seq, 16), std::move(record)};
    view.RecordChange({name.universe, "queueItem", name.queue, "", out.id, "add", ""});
    return out;
  });
}

asio::awaitable<Result<QueueItem>> QueueService::Add(QueueName name, std::string data,
                                                     double priority, std::chrono::nanoseconds ttl,
                                                     Context<QueueItem> context) {
  auto staged = StageAdd(std::move(name), std::move(data), priority, ttl);
  auto result = co_await pipeline_->CommitStaged<QueueItem>(std::move(staged), std::move(context));
  co_return result;
}

Result<QueueService::ReadScan> QueueService::ScanForRead(const store::WriteView& view,
                                                         const QueueName& name, size_t count,
                                                         uint64_t max_deliveries,
                                                         core::Timestamp now) const {
  ReadScan scan;
  static const Head kUnknown;
  auto found = heads_.find(QueuePrefix(name));
  const Head& head = found == heads_.end() ? kUnknown : found->second;
  scan.saw_rows = !head.invisible.empty();
  for (const auto& [key, until] : head.invisible) {
    if (until > now) {
      scan.wake_at = std::min(scan.wake_at, until);
      continue;
    }
    SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kQueues, key));
    if (!bytes) {
      scan.gone.push_back(key);
      continue;
    }
    SB_ASSIGN_OR_RETURN(QueueItemRecord r, DecodeQueueItemRecord(*bytes));
    if (r.ExpiredAt(now)) {
      scan.gone.push_back(key);
    } else if (r.invisible_until > now) {
      scan.wake_at = std::min(scan.wake_at, r.invisible_until);
    } else {
      scan.visible.emplace(key, std::move(r));
    }
  }
  const std::string end = QueueItemsEnd(name);
  auto it = view.NewIterator(ColumnFamily::kQueues, QueueItemsBegin(name), end);
  if (head.key.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(head.key);
  }
  size_t scanned_visible = 0;
  size_t scanned_dead = 0;
  for (; it->Valid() && scanned_visible < count; it->Next()) {
    scan.saw_rows = true;
    SB_ASSIGN_OR_RETURN(QueueItemRecord r, DecodeQueueItemRecord(it->value()));
    if (r.ExpiredAt(now)) continue;
    std::string key(it->key());
    if (r.invisible_until > now) {
      scan.wake_at = std::min(scan.wake_at, r.invisible_until);
      scan.tracked[key] = r.invisible_until;  // tracked, so the head may pass it
      continue;
    }
    if (scan.first_visible.empty()) scan.first_visible = key;
    if (max_deliveries > 0 && r.deliveries >= max_deliveries) {
      // Moved out by this read, not delivered: it does not use up `count`, or a read would
      // come back short (even empty) with items visible behind it. At most kMaxReadCount such
      // moves per read keep its batch bounded; the next read moves the rest.
      if (scanned_dead == kMaxReadCount) {
        scan.truncated = true;
        break;
      }
      ++scanned_dead;
    } else {
      ++scanned_visible;
    }
    scan.visible.emplace(std::move(key), std::move(r));
  }
  SB_RETURN_IF_ERROR(it->status());
  // Below the first visible row there is nothing but tracked invisible items: the head may rise
  // there (to the end when the scan found nothing visible).
  if (scan.first_visible.empty()) scan.first_visible = end;
  return scan;
}

asio::awaitable<Result<QueueRead>> QueueService::ReadOnce(const QueueName& name,
                                                          const ReadRequest& request,
                                                          AttemptSeen* seen) {
  // Written by the mutation on the sequencer, read here once the commit completes.
  AttemptSeen saw;
  std::function<Result<QueueRead>(store::WriteView&)> mutation =
      [this, name, request, &saw](store::WriteView& view) -> Result<QueueRead> {
    const core::Timestamp now = clock_->Now();
    SB_ASSIGN_OR_RETURN(QueueSettings settings, ReadSettings(view, name));
    // Scanned to twice the count: the visible items past what this read takes say how many
    // sleeping reads to wake once it commits (see the hook below).
    SB_ASSIGN_OR_RETURN(ReadScan scan,
                        ScanForRead(view, name, 2 * request.count, settings.max_deliveries, now));
    saw = AttemptSeen{scan.wake_at, 0, scan.truncated};
    const std::string prefix = QueuePrefix(name);

    std::vector<std::pair<std::string, QueueItemRecord>> picked, dead;
    uint64_t left_visible = 0;  // deliverable items this read saw and leaves visible
    for (auto& [key, r] : scan.visible) {
      const bool poison = settings.max_deliveries > 0 && r.deliveries >= settings.max_deliveries;
      if (picked.size() == request.count) {
        left_visible += poison ? 0 : 1;
      } else if (poison) {
        dead.emplace_back(key, std::move(r));
      } else {
        picked.emplace_back(key, std::move(r));
      }
    }
    saw.visible = picked.size() + left_visible;
    if (request.all_or_nothing && picked.size() < request.count) {
      return Status::NotFound("Fewer than " + std::to_string(request.count) +
                              " items are visible (allOrNothing).");
    }
    // Delivered too often: to the dead-letter queue (or dropped without one), never again here.
    const std::string count_key = QueueCountKey(name);
    // Dead-letter queue prefix → key of each item moved there.
    std::vector<std::pair<std::string, std::string>> moved;
    for (auto& [key, r] : dead) {
      view.Delete(ColumnFamily::kQueues, key);
      view.Delete(ColumnFamily::kExpiry, ExpiryKey(r.expire_time, ExpiryKind::kQueueItem, key));
      SB_RETURN_IF_ERROR(AddToItemCount(view, ColumnFamily::kQueues, count_key, -1));
      scan.gone.push_back(key);
      if (settings.dead_letter_queue.empty()) {
        // Dropped: its bytes leave the universe. (Moved: they stay, in another queue.)
        SB_RETURN_IF_ERROR(
            ChargeUsage(view, name.universe, -static_cast<int64_t>(ChargedBytes(r)), 0));
        continue;
      }
      const QueueName dlq{name.universe, settings.dead_letter_queue};
      uint64_t dlq_seq;
      SB_ASSIGN_OR_RETURN(std::string dlq_key, FreeItemKey(view, dlq, r.priority, now, &dlq_seq));
      QueueItemRecord copy{r.data, r.priority, r.expire_time, {}, "", 0};
      view.Put(ColumnFamily::kQueues, dlq_key, EncodeQueueItemRecord(copy));
      view.Put(ColumnFamily::kExpiry, ExpiryKey(copy.expire_time, ExpiryKind::kQueueItem, dlq_key),
               "");
      SB_RETURN_IF_ERROR(AddToItemCount(view, ColumnFamily::kQueues, QueueCountKey(dlq), 1));
      LowerHead(QueuePrefix(dlq), dlq_key);  // now, as an add does (see Add)
      moved.emplace_back(QueuePrefix(dlq), dlq_key);
    }
    QueueRead out;
    if (!picked.empty()) {
      out.read_id = core::HexUpper(NextSeq(now), 16);
      QueueReadRecord read{now + request.invisibility, {}};
      for (auto& [key, r] : picked) {
        r.invisible_until = read.invisible_until;
        r.read_id = out.read_id;
        ++r.deliveries;
        view.Put(ColumnFamily::kQueues, key, EncodeQueueItemRecord(r));
        read.item_keys.push_back(key);
        scan.tracked[key] = read.invisible_until;
        out.items.push_back(QueueItem{ItemId(key), r});
        view.RecordChange(
            {name.universe, "queueItem", name.queue, "", out.items.back().id, "read", ""});
      }
      const std::string read_key = QueueReadKey(name, out.read_id);
      view.Put(ColumnFamily::kQueues, read_key, EncodeQueueReadRecord(read));
      view.Put(ColumnFamily::kExpiry,
               ExpiryKey(read.invisible_until, ExpiryKind::kQueueRead, read_key), "");
    }
    // The hints that could hide an item (raising the head, forgetting a tracked item) change
    // only once the batch is durable: a read that fails or rolls back leaves them as they were.
    view.OnCommitted([this, prefix, first_visible = std::move(scan.first_visible),
                      gone = std::move(scan.gone), tracked = std::move(scan.tracked),
                      moved = std::move(moved), left_visible, saw_rows = scan.saw_rows] {
      // A queue this read found no row of, with no position kept: nothing to remember (the
      // next read starts from the first row, as with none). Keeping one for every name ever
      // read would let reads of made-up names grow memory without bound.
      auto found = heads_.find(prefix);
      if (found == heads_.end() && saw_rows) found = heads_.try_emplace(prefix).first;
      if (found != heads_.end()) {
        Head& h = found->second;
        for (const auto& key : gone) h.invisible.erase(key);
        for (const auto& [key, until] : tracked) h.invisible[key] = until;
        // Lowered again by the hook of any add staged after this read (see Head).
        h.key = first_visible;
      }
      for (const auto& [dlq_prefix, dlq_key] : moved) {
        LowerHead(dlq_prefix, dlq_key);
        waiters_.WakeOne(dlq_prefix);
      }
      // Items this read left visible (it took others first: a window that ended, a full
      // count) may be the ones an add woke it for: they wake other readers, or they would
      // wait, visible, while those sleep (KeyedWaiters::WakeFor).
      if (left_visible > 0) waiters_.WakeFor(prefix, left_visible);
    });
    return out;
  };
  // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
  store::WriteContext<QueueRead> context;
  context.writer = request.writer;
  Result<QueueRead> result =
      co_await pipeline_->Commit<QueueRead>(std::move(mutation), std::move(context));
  *seen = saw;
  co_return result;
}

asio::awaitable<Result<QueueRead>> QueueService::Read(QueueName name, ReadRequest request) {
  SB_CO_RETURN_IF_ERROR(ValidateQueueName(name));
  if (request.count < 1 || request.count > kMaxReadCount) {
    co_return Status::InvalidArgument("count must be between 1 and 200.");
  }
  if (request.invisibility <= std::chrono::nanoseconds::zero() ||
      request.invisibility > limits_.max_ttl) {
    co_return Status::InvalidArgument(
        "invisibilityWindow must be positive and at most memstore_max_ttl_seconds.");
  }
  if (request.wait < std::chrono::nanoseconds::zero() || request.wait > max_wait_) {
    co_return LimitExceeded(
        "waitTime must be between 0s and the configured maximum.", "memstore_max_wait_ms",
        static_cast<size_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(max_wait_).count()));
  }
  const auto deadline = std::chrono::steady_clock::now() + request.wait;
  const std::string key = QueuePrefix(name);
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  auto woken = std::make_shared<std::atomic<bool>>(false);
  // The items an add (or another read) woke this read for, with the bound to pass them on
  // with (KeyedWaiters::WakeFor). The attempt after the wake answers for them: by taking
  // items, or by finding none visible. An attempt that fails (an allOrNothing read finding
  // too few, a fault) cannot, so they go on to the next sleeping read, never dropped.
  core::KeyedWaiters::Grant answering;
  auto pass_on = [this, &key](const core::KeyedWaiters::Grant& grant,
                              uint64_t available = core::KeyedWaiters::kLatest) {
    if (grant.units > 0) waiters_.WakeFor(key, grant.units, grant.bound, available);
  };
  auto add_to_answering = [&answering](const core::KeyedWaiters::Grant& grant) {
    answering.units += grant.units;
    answering.bound = std::max(answering.bound, grant.bound);
  };
  // Null until the read first sleeps; then true once its client has closed the connection.
  core::ClientGoneFlag client_gone;
  auto gone = [&client_gone] { return client_gone != nullptr && client_gone->load(); };
  for (;;) {
    if (gone()) {
      // Items or a wake-up for nobody: they go on to the next sleeping read instead.
      pass_on(answering);
      co_return core::ClientGone();
    }
    // Registered before the attempt, so an add that commits after it cannot be missed: the
    // flag is set, or the posted cancel reaches the wait below (both run on this executor).
    auto executor = timer->get_executor();
    const uint64_t waiter = waiters_.Add(
        key,
        [executor, timer, woken] {
          woken->store(true);
          asio::post(executor, [timer] { timer->cancel(); });
        },
        request.count, request.all_or_nothing ? request.count : 1);
    AttemptSeen seen;
    auto result = co_await ReadOnce(name, request, &seen);
    if (result.ok() && result->items.empty() && seen.truncated) {
      // It only moved poison items out: what it was woken for may lie past them. It looks
      // again at once, still answering for it.
      woken->store(true);
    } else {
      // An allOrNothing read that found too few: to the reads that can take what it saw.
      const bool too_few = result.status().code() == core::StatusCode::kNotFound;
      if (!result.ok()) pass_on(answering, too_few ? seen.visible : core::KeyedWaiters::kLatest);
      answering = {};
    }
    const auto remaining = deadline - std::chrono::steady_clock::now();
    const bool empty =
        result.ok() ? result->items.empty() : result.status().code() == core::StatusCode::kNotFound;
    if (!empty || remaining <= std::chrono::nanoseconds::zero() || stop_waiting_.load()) {
      // Woken during this attempt, which may have scanned before those items came.
      add_to_answering(waiters_.Remove(key, waiter));
      pass_on(answering);
      co_return result;
    }
    if (serving_) {
      // The queue's partition moved to another node while this read waited here.
      if (Status serving = serving_(name.universe); !serving.ok()) {
        add_to_answering(waiters_.Remove(key, waiter));
        pass_on(answering);
        co_return serving;
      }
    }
    if (client_gone == nullptr && request.watch_client) {
      // The close itself ends the sleep: the read then leaves, passing on what it was woken for,
      // instead of holding its place (and any Idempotency-Key claim) until its waitTime.
      client_gone = request.watch_client(
          [executor, timer] { asio::post(executor, [timer] { timer->cancel(); }); });
    }
    if (!woken->exchange(false) && !gone()) {
      auto sleep = std::chrono::duration_cast<std::chrono::nanoseconds>(remaining);
      if (seen.wake_at != core::Timestamp::max()) {
        sleep = std::min(sleep, std::max<std::chrono::nanoseconds>(seen.wake_at - clock_->Now(),
                                                                   std::chrono::milliseconds(1)));
      }
      timer->expires_after(sleep);
      co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
      woken->store(false);
    }
    // The next attempt starts after this: it sees every item this waiter was woken for.
    add_to_answering(waiters_.Remove(key, waiter));
  }
}

asio::awaitable<Result<QueueRead>> QueueService::Discard(QueueName name, std::string read_id,
                                                         Context<QueueRead> context) {
  SB_CO_RETURN_IF_ERROR(ValidateQueueName(name));
  if (read_id.empty()) co_return Status::InvalidArgument("readId is required.");
  std::function<Result<QueueRead>(store::WriteView&)> mutation =
      [this, name, read_id](store::WriteView& view) -> Result<QueueRead> {
    QueueRead out;
    const core::Timestamp now = clock_->Now();
    const std::string read_key = QueueReadKey(name, read_id);
    SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kQueues, read_key));
    std::optional<QueueReadRecord> read;
    if (bytes) {
      SB_ASSIGN_OR_RETURN(read, DecodeQueueReadRecord(*bytes));
    }
    if (!read || read->invisible_until <= now) {
      return Status::NotFound("Unknown read id, or its invisibility window has ended.");
    }
    // The count and the usage change once for the whole read, not once per item: each change is
    // a read and a rewrite of a row in the batch.
    int64_t freed_bytes = 0;
    for (const auto& key : read->item_keys) {
      SB_ASSIGN_OR_RETURN(auto item, view.Get(ColumnFamily::kQueues, key));
      if (!item) continue;
      SB_ASSIGN_OR_RETURN(QueueItemRecord r, DecodeQueueItemRecord(*item));
      if (r.read_id != read_id || r.invisible_until <= now) continue;
      view.Delete(ColumnFamily::kQueues, key);
      view.Delete(ColumnFamily::kExpiry, ExpiryKey(r.expire_time, ExpiryKind::kQueueItem, key));
      freed_bytes += static_cast<int64_t>(ChargedBytes(r));
      out.items.push_back(QueueItem{ItemId(key), std::move(r)});
      view.RecordChange(
          {name.universe, "queueItem", name.queue, "", out.items.back().id, "discard", ""});
    }
    if (!out.items.empty()) {
      SB_RETURN_IF_ERROR(AddToItemCount(view, ColumnFamily::kQueues, QueueCountKey(name),
                                        -static_cast<int64_t>(out.items.size())));
      SB_RETURN_IF_ERROR(ChargeUsage(view, name.universe, -freed_bytes, 0));
    }
    view.Delete(ColumnFamily::kQueues, read_key);
    view.Delete(ColumnFamily::kExpiry,
                ExpiryKey(read->invisible_until, ExpiryKind::kQueueRead, read_key));
    out.read_id = read_id;
    view.OnCommitted([this, prefix = QueuePrefix(name), keys = read->item_keys] {
      auto found = heads_.find(prefix);  // none: nothing tracked to forget
      if (found == heads_.end()) return;
      for (const auto& key : keys) found->second.invisible.erase(key);
    });
    return out;
  };
  co_return co_await pipeline_->Commit<QueueRead>(std::move(mutation), std::move(context));
}

Result<QueueInfo> QueueService::Info(const QueueName& name) const {
  SB_RETURN_IF_ERROR(ValidateQueueName(name));
  QueueInfo info;
  // One instant for the count row and the reads' items: read apart, a read that committed in
  // between could count items the count row did not hold yet (invisibleSize > size).
  const auto snapshot = engine_->Snapshot();
  SB_ASSIGN_OR_RETURN(auto bytes, snapshot->Get(ColumnFamily::kQueues, QueueSettingsKey(name)));
  if (bytes) {
    SB_ASSIGN_OR_RETURN(info.settings, DecodeQueueSettings(*bytes));
  }
  SB_RETURN_IF_ERROR(CountItems(*snapshot, name, clock_->Now(), &info));
  return info;
}

Result<std::vector<QueueItem>> QueueService::Peek(const QueueName& name, size_t count) const {
  SB_RETURN_IF_ERROR(ValidateQueueName(name));
  const core::Timestamp now = clock_->Now();
  std::vector<QueueItem> out;
  auto it = engine_->NewIterator(ColumnFamily::kQueues, QueueItemsBegin(name), QueueItemsEnd(name));
  for (it->SeekToFirst(); it->Valid() && out.size() < count; it->Next()) {
    SB_ASSIGN_OR_RETURN(QueueItemRecord r, DecodeQueueItemRecord(it->value()));
    if (r.ExpiredAt(now)) continue;
    out.push_back(QueueItem{ItemId(it->key()), std::move(r)});
  }
  SB_RETURN_IF_ERROR(it->status());
  return out;
}

asio::awaitable<Result<QueueInfo>> QueueService::UpdateSettings(
    QueueName name, std::optional<uint64_t> max_deliveries,
    std::optional<std::string> dead_letter_queue, Context<QueueInfo> context) {
  SB_CO_RETURN_IF_ERROR(ValidateQueueName(name));
  if (dead_letter_queue && !dead_letter_queue->empty()) {
    SB_CO_RETURN_IF_ERROR(ValidateQueueName(QueueName{name.universe, *dead_letter_queue}));
    if (*dead_letter_queue == name.queue) {
      co_return Status::InvalidArgument("A queue cannot be its own dead-letter queue.");
    }
  }
  std::function<Result<QueueInfo>(store::WriteView&)> mutation =
      [this, name, max_deliveries, dead_letter_queue](store::WriteView& view) -> Result<QueueInfo> {
    QueueInfo out;
    SB_ASSIGN_OR_RETURN(QueueSettings settings, ReadSettings(view, name));
    if (max_deliveries) settings.max_deliveries = *max_deliveries;
    if (dead_letter_queue) settings.dead_letter_queue = *dead_letter_queue;
    view.Put(ColumnFamily::kQueues, QueueSettingsKey(name), EncodeQueueSettings(settings));
    out.settings = settings;
    SB_RETURN_IF_ERROR(CountItems(view, name, clock_->Now(), &out));
    return out;
  };
  co_return co_await pipeline_->Commit<QueueInfo>(std::move(mutation), std::move(context));
}

Result<bool> QueueService::ReclaimExpired(store::WriteView& view, ExpiryKind kind,
                                          std::string_view key, core::Timestamp expire_time) {
  SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kQueues, key));
  if (!bytes) return false;
  if (kind == ExpiryKind::kQueueItem) {
    SB_ASSIGN_OR_RETURN(QueueItemRecord r, DecodeQueueItemRecord(*bytes));
    if (r.expire_time != expire_time) return false;
    view.Delete(ColumnFamily::kQueues, key);
    int64_t universe;
    std::string_view rest = key;
    if (store::GetKeyInt64(&rest, &universe)) {
      SB_RETURN_IF_ERROR(ChargeUsage(view, universe, -static_cast<int64_t>(ChargedBytes(r)), 0));
    }
    const std::string count_key = CountKeyOf(key);
    if (!count_key.empty())
      SB_RETURN_IF_ERROR(AddToItemCount(view, ColumnFamily::kQueues, count_key, -1));
    return true;
  }
  SB_ASSIGN_OR_RETURN(QueueReadRecord r, DecodeQueueReadRecord(*bytes));
  if (r.invisible_until != expire_time) return false;
  view.Delete(ColumnFamily::kQueues, key);
  return true;
}

Result<std::vector<QueueService::Depth>> QueueService::Depths(size_t max) const {
  std::vector<Depth> out;
  auto it = engine_->NewIterator(ColumnFamily::kQueues);
  it->SeekToFirst();
  while (it->Valid() && out.size() < max) {
    std::string_view key = it->key();
    Depth depth;
    if (!store::GetKeyInt64(&key, &depth.name.universe) ||
        !store::GetKeyString(&key, &depth.name.queue)) {
      return Status::Internal("corrupt queue key");
    }
    // The count row sorts first in its queue; a queue without one holds nothing.
    const std::string count_key = QueueCountKey(depth.name);
    if (it->key() == count_key) {
      SB_ASSIGN_OR_RETURN(depth.items, DecodeItemCount(it->value()));
    }
    out.push_back(depth);
    // Past every row of this queue: its prefix, then a byte above every tag.
    it->Seek(QueuePrefix(depth.name) + std::string(1, '\xff'));
  }
  SB_RETURN_IF_ERROR(it->status());
  return out;
}

void QueueService::StopWaiting() {
  stop_waiting_.store(true);
  waiters_.WakeAll();
}

void QueueService::ForgetHeads(const std::function<bool(std::string_view prefix)>& in_scope) {
  std::erase_if(heads_, [&in_scope](const auto& head) { return in_scope(head.first); });
}

}  // namespace strongbox::memstore
