#pragma once

// LeaderboardService: ordered data stores (api.md §4) — int64 scores per entry, listed in
// order, plus rank, neighbours and counts [SB].
//
// RocksDB is the durable truth: every write is one Mutation through the CommitPipeline that
// reads the entry inside the sequencer, writes its record (`ordered`) and moves its sort-index
// row (`ordered_index`) in one batch. Rank needs an order statistic RocksDB does not have, so
// the same mutation hands the change to RankBoards via OnCommitted; every ordered read (list,
// rank, neighbours, count) is then answered from memory in O(log n) per entry returned.
//
// Ties go to the entry that reached the value first, in both orders: each move to a new value
// takes the next `arrival` number, issued by the sequencer (so in commit order).
//
// Seasons (board_seasons.h): a board with a reset schedule writes into its live season, decided
// inside the write's mutation from the clock, so a write racing a reset lands in exactly one
// season; reads address the live season or, by number, a finished one within archiveSeasons.
// Finished seasons past retention are reclaimed by ReclaimSeasons, in bounded batches.
//
// Ownership: app/ owns it; it borrows the Engine and the pipeline. Call Rebuild() once before
// serving. Thread safety: all other methods may be called concurrently from any thread.
// Durability: a write's awaitable completes OK only once durable (CommitPipeline's promise).

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "leaderboard/board_seasons.h"
#include "leaderboard/board_settings.h"
#include "leaderboard/ordered_entry.h"
#include "leaderboard/rank_boards.h"
#include "leaderboard/rank_index.h"
#include "leaderboard/settings_cache.h"
#include "store/commit_pipeline.h"
#include "store/engine.h"

namespace strongbox::leaderboard {

struct OrderedEntry {
  std::string id;
  int64_t value = 0;
  int64_t subscore = 0;
  std::string metadata;  // a compact JSON object, or empty
  // The season the write landed in, on a board that has seasons (board_seasons.h).
  std::optional<SeasonSpan> season;
};

struct RankedEntry {
  std::string id;
  int64_t value = 0;
  size_t rank = 0;  // 1-based position in the requested order, over the whole board
  int64_t subscore = 0;
  std::string metadata;  // a compact JSON object, or empty
  bool has_metadata = false;
};

// Inclusive value bounds of a listing or count; absent means unbounded.
struct ValueRange {
  std::optional<int64_t> min;
  std::optional<int64_t> max;
};

class LeaderboardService {
 public:
  // A request's lock guard and Idempotency-Key record (store/write_context.h), applied in the
  // write's own commit; its result is the entry written (for a delete: the removed entry, value
  // 0 when there was none).
  using Context = store::WriteContext<OrderedEntry>;

  // Config limits (api.md §9).
  struct Limits {
    std::chrono::seconds min_reset_interval{60};  // shortest "@every" accepted
    uint32_t max_archive_seasons = 100;           // largest archiveSeasons accepted
    size_t max_metadata_bytes = 1024;             // an entry's metadata, compact JSON
  };

  LeaderboardService(const store::Engine* engine, store::CommitPipeline* pipeline,
                     const core::Clock* clock, Limits limits);

  // Loads every board from the sort index. REQUIRES: nothing else runs yet. With a scope
  // (cluster mode, a partition just claimed): only those boards, while none of their writes
  // can commit; later arrivals are numbered above every arrival loaded.
  core::Result<RankBoards::RebuildStats> Rebuild(const RankBoards::Scope& scope = nullptr);
  // Forgets the boards of `scope` (a partition this node no longer owns).
  size_t Drop(const RankBoards::Scope& scope) {
    settings_cache_.Clear();
    return boards_.Drop(scope);
  }

  // kNotFound "Entry not found." when missing.
  core::Result<OrderedEntry> Get(const BoardName& board, const std::string& id) const;

  // Writes follow the board's strategy (board_settings.h NextRecord), `extras` included:
  // metadata over max_metadata_bytes is kInvalidArgument LIMIT_EXCEEDED, nothing written.
  // kAlreadyExists "Entry already exists." when present.
  boost::asio::awaitable<core::Result<OrderedEntry>> Create(BoardName board, std::string id,
                                                            int64_t value, Context context = {},
                                                            EntryExtras extras = {});
  // Missing: kNotFound unless `allow_missing`, which creates it.
  boost::asio::awaitable<core::Result<OrderedEntry>> Update(BoardName board, std::string id,
                                                            int64_t value, bool allow_missing,
                                                            Context context = {},
                                                            EntryExtras extras = {});
  // Adds `amount`; a missing entry starts from 0. Overflow → kInvalidArgument, nothing written.
  boost::asio::awaitable<core::Result<OrderedEntry>> Increment(BoardName board, std::string id,
                                                               int64_t amount, Context context = {},
                                                               EntryExtras extras = {});
  // Removes the entry. Missing: kNotFound unless `missing_ok` (then OK, nothing changes).
  // `extras.season` alone counts (the season the delete must land in).
  boost::asio::awaitable<core::Result<OrderedEntry>> Delete(BoardName board, std::string id,
                                                            bool missing_ok, Context context = {},
                                                            EntryExtras extras = {});

  // The same writes, staged for a caller that commits several in one mutation (api.md §8):
  // the same argument errors now, the same checks and rows inside the commit.
  core::Result<store::Staged<OrderedEntry>> StageCreate(BoardName board, std::string id,
                                                        int64_t value, EntryExtras extras = {});
  core::Result<store::Staged<OrderedEntry>> StageUpdate(BoardName board, std::string id,
                                                        int64_t value, bool allow_missing,
                                                        EntryExtras extras = {});
  core::Result<store::Staged<OrderedEntry>> StageIncrement(BoardName board, std::string id,
                                                           int64_t amount, EntryExtras extras = {});
  core::Result<store::Staged<OrderedEntry>> StageDelete(BoardName board, std::string id,
                                                        bool missing_ok, EntryExtras extras = {});

  // The board's settings (board_settings.h): the defaults when none were set.
  // kInvalidArgument for a malformed board name.
  core::Result<BoardSettings> Settings(const BoardName& board) const;
  // Changes the given settings, keeping the others. Writes already committed keep their values;
  // every later write follows the new strategy (api.md §9).
  // A new reset schedule ("" removes it) does not end the live season: that season ends at the
  // new schedule's next fire time (or never, without one), and numbering goes on. kInvalidArgument
  // for a schedule core::ParseSchedule refuses, an interval under min_reset_interval, or
  // archiveSeasons over max_archive_seasons.
  struct SettingsChange {
    std::optional<WriteStrategy> strategy;
    std::optional<SortOrder> best_order;
    std::optional<std::string> reset_schedule;
    std::optional<uint32_t> archive_seasons;
  };
  using SettingsContext = store::WriteContext<BoardSettings>;
  boost::asio::awaitable<core::Result<BoardSettings>> UpdateSettings(BoardName board,
                                                                     SettingsChange change,
                                                                     SettingsContext context = {});

  // Which season a read addresses: `requested`, or the live one; sets board->season, which every
  // read below then uses. `has_seasons`: the board has a schedule or had one (answers then name
  // the season). kNotFound "Season N not found." for a season that is neither live nor a
  // readable archive (never written to, past archiveSeasons, or not begun).
  struct SeasonAnswer {
    SeasonSpan span;
    bool live = true;
    bool has_seasons = false;
  };
  core::Result<SeasonAnswer> ResolveSeason(BoardName* board,
                                           std::optional<uint64_t> requested) const;

  // The board's live season and its readable archives, newest first, with their sizes.
  struct SeasonSummary {
    SeasonSpan span;
    bool live = false;
    size_t total = 0;
  };
  core::Result<std::vector<SeasonSummary>> Seasons(const BoardName& board) const;

  // Deletes the rows of finished seasons past their board's archiveSeasons: at most `budget`
  // entries per call, each batch one commit (so the sequencer is never held long). Returns how
  // many entries were deleted. Called by the background purge.
  boost::asio::awaitable<core::Result<size_t>> ReclaimSeasons(size_t budget);

  struct ListQuery {
    BoardName board;
    SortOrder order = SortOrder::kAscending;
    ValueRange range;
    size_t page_size = 10;
    std::optional<std::string> resume_after;  // from the previous page's next_after
  };
  struct ListPage {
    std::vector<RankedEntry> entries;
    std::optional<std::string> next_after;  // set when more entries follow
  };
  core::Result<ListPage> List(const ListQuery& query) const;

  // The entry with its rank in `order` and the board size. kNotFound when missing.
  struct RankAnswer {
    RankedEntry entry;
    size_t total = 0;
  };
  core::Result<RankAnswer> Rank(const BoardName& board, const std::string& id,
                                SortOrder order) const;

  // Up to `before` entries ahead of `id`, the entry itself, up to `after` behind it, in order.
  struct Neighborhood {
    std::vector<RankedEntry> entries;
    size_t total = 0;
  };
  core::Result<Neighborhood> Neighbors(const BoardName& board, const std::string& id,
                                       SortOrder order, size_t before, size_t after) const;

  // Several entries of one board with their ranks in `order`, read at one instant (no commit
  // group half applied, api.md §8 :batchGet): the entries found, by rank; the ids not on the
  // board in `missing`, in the order asked. kInvalidArgument for a malformed name or id.
  struct BatchAnswer {
    std::vector<RankedEntry> entries;
    std::vector<std::string> missing;
    size_t total = 0;  // entries on the board
  };
  core::Result<BatchAnswer> BatchRank(const BoardName& board, const std::vector<std::string>& ids,
                                      SortOrder order) const;

  // Entries with a value within `range`.
  core::Result<size_t> Count(const BoardName& board, const ValueRange& range) const;

 private:
  // From the current record (nullopt: missing), the new record (its arrival is set by
  // StageWrite), or nullopt to remove the entry.
  // `settings`: the board's, read in the same mutation (board_settings.h says how each
  // strategy turns a write into the stored value).
  using NextValueFn = std::function<core::Result<std::optional<OrderedRecord>>(
      const std::optional<OrderedRecord>&, const BoardSettings& settings)>;

  core::Status ValidateExtras(const EntryExtras& extras) const;
  // Fills the metadata of the entries whose index says they have some, from their records.
  // The records are read after the index: true when each one still holds the value and
  // subscore the index gave (so the metadata is the one written with them), false when a
  // write or delete landed in between (the caller reads again).
  core::Result<bool> AttachMetadata(const BoardName& board, std::span<RankedEntry> entries) const;
  // A ranked read with its metadata: `read(const RankIndex&)` answers Answer (or
  // Result<Answer>), `entries_of(Answer&)` the span of its entries. While a record no longer
  // matches the index — a write landed in between, or the engine shows a group whose hooks
  // have not run yet — it waits for the index to move (CommitPipeline::AwaitHooksAfter) and
  // reads again, so an entry's metadata is the one written with its value, not a later
  // write's beside an earlier score. Bounded: kRankedReads reads and kRankedWait of waiting
  // (the calling IO thread blocks: microseconds unless the sequencer lost its core), then the
  // last answer (a board rewriting the same entries faster than that). Not at all while writes
  // are stopped (AwaitHooksAfter answers at once): after a storage fault the index may stay
  // apart from the records until recovery, and no commit will move it.
  static constexpr int kRankedReads = 8;
  static constexpr std::chrono::milliseconds kRankedWait{20};
  template <class Answer, class Read, class EntriesOf>
  core::Result<Answer> ReadRanked(const BoardName& board, Read&& read,
                                  EntriesOf&& entries_of) const {
    const auto deadline = std::chrono::steady_clock::now() + kRankedWait;
    for (int attempt = 1;; ++attempt) {
      const uint64_t epoch = pipeline_->hooks_epoch();
      core::Result<Answer> answer = ReadBoard(board, read);
      if (!answer.ok()) return answer;
      auto matched = AttachMetadata(board, entries_of(*answer));
      if (!matched.ok()) return matched.status();
      if (*matched || attempt == kRankedReads || !pipeline_->AwaitHooksAfter(epoch, deadline)) {
        return answer;
      }
    }
  }

  // Runs `read(const RankIndex&)` on `board` with no commit group half applied (the
  // pipeline's ReadSettled), so a transaction's writes to it are seen all or none.
  template <class Read>
  auto ReadBoard(const BoardName& board, Read&& read) const {
    return pipeline_->ReadSettled([&] { return boards_.WithBoard(BoardKey(board), read); });
  }

  // A board's settings by their key (BoardSettingsKey, also the SeasonClock's board id): the
  // defaults when none were set. A mutation's read is the truth; a read's goes through
  // settings_cache_. Callers build the key once and pass it to both.
  static core::Result<BoardSettings> ReadSettings(store::WriteView& view,
                                                  const std::string& settings_key);
  // `fill`: remember what was read in the cache (not for a background scan over every board).
  core::Result<BoardSettings> ReadSettings(const std::string& settings_key, bool fill = true) const;

  // Create, update and increment: a submission of `value` (or, with `increment`, an increment
  // by it) through NextRecord, where the entry must be missing, present, or either.
  enum class Presence { kAny, kMissing, kPresent };
  core::Result<store::Staged<OrderedEntry>> StageSubmit(BoardName board, std::string id,
                                                        int64_t value, bool increment,
                                                        Presence presence, EntryExtras extras);

  // The one write path (see the class comment). `season`: the season the write must land in;
  // `operation`: the change log's word for a write of an entry that exists ("update",
  // "increment"; a new entry is a "create", a removed one a "delete").
  core::Result<store::Staged<OrderedEntry>> StageWrite(BoardName board, std::string id,
                                                       NextValueFn next_value,
                                                       std::optional<uint64_t> season,
                                                       std::string_view operation = "update");

  const store::Engine* engine_;
  store::CommitPipeline* pipeline_;
  const Limits limits_;
  SeasonClock seasons_;
  mutable SettingsCache settings_cache_;  // for reads; writes read the row in their mutation
  RankBoards boards_;
  // Set when a season may have passed out of retention (a season's first write, a settings
  // change, startup); ReclaimSeasons looks at the boards only then.
  std::atomic<bool> reclaim_due_{true};
  // When ReclaimSeasons last looked at every board (steady clock, ns): it looks again at least
  // every kReclaimRescan even when nothing set reclaim_due_ (a board whose seasons ended with
  // no write since).
  std::atomic<int64_t> last_reclaim_scan_ns_{0};
  // The next arrival number; taken only inside mutations, i.e. on the sequencer.
  std::atomic<uint64_t> next_arrival_{1};
};

}  // namespace strongbox::leaderboard
