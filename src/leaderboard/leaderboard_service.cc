#include "leaderboard/leaderboard_service.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "core/schedule.h"
#include "store/key_codec.h"

namespace strongbox::leaderboard {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

Status EntryNotFound() { return Status::NotFound("Entry not found."); }

Status SeasonNotFound(uint64_t season) {
  return Status::NotFound("Season " + std::to_string(season) + " not found.");
}

// A board has seasons once a schedule was set on it (its season numbers then mean something,
// even after the schedule is removed).
bool HasSeasons(const BoardSettings& settings) {
  return !settings.reset_schedule.empty() || settings.first_season > 0 ||
         settings.schedule_set_at_ns != 0;
}

// Writes the season's catalog row if it has none yet (its first write): what lists it and
// answers its times once it is finished. True when it wrote it.
Result<bool> RecordSeason(store::WriteView& view, const BoardName& board, const SeasonSpan& span) {
  const std::string key = SeasonRowKey(board);
  SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kCatalog, key));
  if (row) return false;
  view.Put(ColumnFamily::kCatalog, key, EncodeSeasonRow(span));
  return true;
}

// A finished season `season` is readable while at most `archive_seasons` seasons ended after it
// and it never left retention before (first_kept_season).
bool Retained(const BoardSettings& settings, uint64_t live, uint64_t season) {
  return season <= live && live - season <= settings.archive_seasons &&
         season >= settings.first_kept_season;
}

// How often ReclaimSeasons looks at every board even when nothing asked it to.
constexpr std::chrono::seconds kReclaimRescan{60};

// A page resumes after the (value, subscore, arrival) of the last entry it returned; the
// subscore is written only when set, so tokens from before subscores still read.
struct ResumeKey {
  int64_t value = 0;
  uint64_t arrival = 0;
  int64_t subscore = 0;
};

std::string EncodeResumeKey(const RankIndex::Entry& entry) {
  std::string out;
  store::PutKeyInt64(&out, entry.value);
  store::PutKeyUint64(&out, entry.arrival);
  if (entry.subscore != 0) store::PutKeyInt64(&out, entry.subscore);
  return out;
}

Result<ResumeKey> DecodeResumeKey(std::string_view in) {
  ResumeKey key;
  if (!store::GetKeyInt64(&in, &key.value) || !store::GetKeyUint64(&in, &key.arrival) ||
      (!in.empty() && (!store::GetKeyInt64(&in, &key.subscore) || !in.empty()))) {
    return Status::InvalidArgument("Invalid page token.");
  }
  return key;
}

RankedEntry RankedAt(const RankIndex& index, size_t position, SortOrder order) {
  RankIndex::Entry e = index.At(position, order);
  return RankedEntry{std::string(e.id), e.value, position + 1, e.subscore, {}, e.has_metadata};
}

std::pair<size_t, size_t> PositionsOf(const RankIndex& index, const ValueRange& range,
                                      SortOrder order) {
  return index.PositionsOfValues(range.min.value_or(std::numeric_limits<int64_t>::min()),
                                 range.max.value_or(std::numeric_limits<int64_t>::max()), order);
}

}  // namespace

LeaderboardService::LeaderboardService(const store::Engine* engine, store::CommitPipeline* pipeline,
                                       const core::Clock* clock, Limits limits)
    : engine_(engine), pipeline_(pipeline), limits_(limits), seasons_(clock) {}

Result<RankBoards::RebuildStats> LeaderboardService::Rebuild(const RankBoards::Scope& scope) {
  settings_cache_.Clear();  // a partition arriving: its settings may have changed elsewhere
  SB_ASSIGN_OR_RETURN(auto stats, boards_.Rebuild(*engine_, scope));
  // Only ever raised: other boards keep committing while a scoped rebuild runs.
  uint64_t next = next_arrival_.load();
  while (next <= stats.max_arrival &&
         !next_arrival_.compare_exchange_weak(next, stats.max_arrival + 1)) {
  }
  return stats;
}

Result<OrderedEntry> LeaderboardService::Get(const BoardName& board, const std::string& id) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  SB_RETURN_IF_ERROR(ValidateEntryId(id));
  SB_ASSIGN_OR_RETURN(auto bytes, engine_->Get(ColumnFamily::kOrdered, OrderedKey(board, id)));
  if (!bytes) return EntryNotFound();
  SB_ASSIGN_OR_RETURN(OrderedRecord record, DecodeOrderedRecord(*bytes));
  return OrderedEntry{id, record.value, record.subscore, std::move(record.metadata), std::nullopt};
}

Result<bool> LeaderboardService::AttachMetadata(const BoardName& board,
                                                std::span<RankedEntry> entries) const {
  std::vector<std::pair<ColumnFamily, std::string>> keys;
  std::vector<RankedEntry*> wanted;
  for (RankedEntry& entry : entries) {
    if (!entry.has_metadata) continue;
    keys.emplace_back(ColumnFamily::kOrdered, OrderedKey(board, entry.id));
    wanted.push_back(&entry);
  }
  if (keys.empty()) return true;
  SB_ASSIGN_OR_RETURN(auto records, engine_->MultiGet(keys));
  bool matched = true;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (!records[i]) {  // deleted since the index was read
      matched = false;
      continue;
    }
    SB_ASSIGN_OR_RETURN(OrderedRecord record, DecodeOrderedRecord(*records[i]));
    if (record.value != wanted[i]->value || record.subscore != wanted[i]->subscore) {
      matched = false;
    }
    wanted[i]->metadata = std::move(record.metadata);
  }
  return matched;
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageWrite(BoardName board, std::string id,
                                                                   NextValueFn next_value,
                                                                   std::optional<uint64_t> season,
                                                                   std::string_view operation) {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  SB_RETURN_IF_ERROR(ValidateEntryId(id));
  return store::Staged<OrderedEntry>([this, board = std::move(board), id = std::move(id),
                                      next_value = std::move(next_value), season,
                                      operation](store::WriteView& view) -> Result<OrderedEntry> {
    OrderedEntry out;
    // The board's write strategy and season, read in the sequencer so a settings change and
    // a write are ordered like any two writes, and the clock read here puts a write racing
    // a reset in exactly one season.
    const std::string settings_key = BoardSettingsKey(board);
    SB_ASSIGN_OR_RETURN(BoardSettings settings, ReadSettings(view, settings_key));
    BoardName target = board;
    if (HasSeasons(settings) || season) {
      // One instant per mutation: a transaction's writes to this board share a season.
      SB_ASSIGN_OR_RETURN(SeasonSpan live,
                          seasons_.Live(settings_key, settings, view.Now(seasons_.clock())));
      if (season && *season != live.id) {
        if (*season > live.id) return SeasonNotFound(*season);
        return Status::InvalidArgument("Season " + std::to_string(*season) +
                                       " has ended; its archive is read-only.")
            .WithReason("SEASON_ENDED");
      }
      target.season = live.id;
      if (HasSeasons(settings)) out.season = live;
    }
    const std::string key = OrderedKey(target, id);
    SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kOrdered, key));
    std::optional<OrderedRecord> current;
    if (bytes) {
      SB_ASSIGN_OR_RETURN(current, DecodeOrderedRecord(*bytes));
    }
    SB_ASSIGN_OR_RETURN(std::optional<OrderedRecord> next, next_value(current, settings));
    if (next && out.season) {
      // A season that holds an entry is kept (listed, readable once finished).
      SB_ASSIGN_OR_RETURN(bool started, RecordSeason(view, target, *out.season));
      if (started) {
        // A cron schedule's seasons are found by walking its fire times from the anchor; move
        // the anchor to this season's start (a fire time, so the numbering is unchanged), and a
        // restart walks from here rather than from when the schedule was set, maybe years ago.
        const bool cron =
            !settings.reset_schedule.empty() && settings.reset_schedule.rfind("@every ", 0) != 0;
        const bool reanchor = cron && out.season->id > settings.first_season;
        if (reanchor) {
          settings.first_season = out.season->id;
          settings.first_season_start_ns = core::ToUnixNanos(out.season->start);
          settings.schedule_set_at_ns = core::ToUnixNanos(out.season->start);
          view.Put(ColumnFamily::kCatalog, settings_key, EncodeBoardSettings(settings));
        }
        view.OnCommitted([this, settings_key, reanchor] {
          if (reanchor) settings_cache_.Invalidate(settings_key);
          reclaim_due_.store(true);
        });
      }
    }
    if (next) {
      // Moving to a new score is a new arrival there (ties go to the earlier one); keeping
      // the score keeps the place, except under `latest`, where every write arrives anew.
      const bool keeps_place = current && current->value == next->value &&
                               current->subscore == next->subscore &&
                               settings.strategy != WriteStrategy::kLatest;
      next->arrival = keeps_place ? current->arrival : next_arrival_.fetch_add(1);
    }
    const bool moved = !current || !next || current->arrival != next->arrival;
    const bool metadata_changed = current && next && current->metadata != next->metadata;
    if (moved || metadata_changed) {
      if (current && moved) {
        view.Delete(ColumnFamily::kOrderedIndex, OrderedIndexKey(target, *current, id));
      }
      if (next) {
        view.Put(ColumnFamily::kOrdered, key, EncodeOrderedRecord(*next));
        view.Put(ColumnFamily::kOrderedIndex, OrderedIndexKey(target, *next, id),
                 EncodeOrderedIndexValue(*next));
      } else if (current) {
        view.Delete(ColumnFamily::kOrdered, key);
      }
      if (current || next) {
        view.OnCommitted(
            [this, board_key = BoardKey(target), id, next] { boards_.Apply(board_key, id, next); });
      }
    }
    // A write that leaves the entry as it was (a worse score under `best`) changes nothing.
    if ((current || next) && (moved || metadata_changed)) {
      view.RecordChange({board.universe, "orderedEntry", board.store, board.scope, id,
                         !next      ? "delete"
                         : !current ? "create"
                                    : operation,
                         ""});
    }
    const OrderedRecord& shown = next ? *next : (current ? *current : OrderedRecord{});
    out.subscore = shown.subscore;
    out.metadata = shown.metadata;
    out.id = id;
    out.value = shown.value;
    return out;
  });
}

Status LeaderboardService::ValidateExtras(const EntryExtras& extras) const {
  if (extras.metadata && extras.metadata->size() > limits_.max_metadata_bytes) {
    return Status::InvalidArgument("metadata is " + std::to_string(extras.metadata->size()) +
                                   " bytes; at most " + std::to_string(limits_.max_metadata_bytes) +
                                   " (config max_leaderboard_metadata_bytes).")
        .WithReason("LIMIT_EXCEEDED")
        .WithMetadata("limit", "max_leaderboard_metadata_bytes");
  }
  return Status::Ok();
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageSubmit(BoardName board, std::string id,
                                                                    int64_t value, bool increment,
                                                                    Presence presence,
                                                                    EntryExtras extras) {
  SB_RETURN_IF_ERROR(ValidateExtras(extras));
  const std::optional<uint64_t> season = extras.season;
  NextValueFn next = [value, increment, presence, extras = std::move(extras)](
                         const std::optional<OrderedRecord>& current,
                         const BoardSettings& settings) -> Result<std::optional<OrderedRecord>> {
    if (current && presence == Presence::kMissing) {
      return Status::AlreadyExists("Entry already exists.");
    }
    if (!current && presence == Presence::kPresent) return EntryNotFound();
    SB_ASSIGN_OR_RETURN(OrderedRecord record,
                        NextRecord(settings, current, value, increment, extras));
    return std::optional<OrderedRecord>(std::move(record));
  };
  return StageWrite(std::move(board), std::move(id), std::move(next), season,
                    increment ? "increment" : "update");
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageCreate(BoardName board, std::string id,
                                                                    int64_t value,
                                                                    EntryExtras extras) {
  return StageSubmit(std::move(board), std::move(id), value, /*increment=*/false,
                     Presence::kMissing, std::move(extras));
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageUpdate(BoardName board, std::string id,
                                                                    int64_t value,
                                                                    bool allow_missing,
                                                                    EntryExtras extras) {
  return StageSubmit(std::move(board), std::move(id), value, /*increment=*/false,
                     allow_missing ? Presence::kAny : Presence::kPresent, std::move(extras));
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageIncrement(BoardName board,
                                                                       std::string id,
                                                                       int64_t amount,
                                                                       EntryExtras extras) {
  return StageSubmit(std::move(board), std::move(id), amount, /*increment=*/true, Presence::kAny,
                     std::move(extras));
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageDelete(BoardName board, std::string id,
                                                                    bool missing_ok,
                                                                    EntryExtras extras) {
  NextValueFn next = [missing_ok](const std::optional<OrderedRecord>& current,
                                  const BoardSettings&) -> Result<std::optional<OrderedRecord>> {
    if (!current && !missing_ok) return EntryNotFound();
    return std::optional<OrderedRecord>();
  };
  return StageWrite(std::move(board), std::move(id), std::move(next), extras.season);
}

Result<BoardSettings> LeaderboardService::ReadSettings(store::WriteView& view,
                                                       const std::string& settings_key) {
  SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kCatalog, settings_key));
  if (!row) return BoardSettings{};
  return DecodeBoardSettings(*row);
}

Result<BoardSettings> LeaderboardService::ReadSettings(const std::string& key, bool fill) const {
  if (auto cached = settings_cache_.Find(key)) return *cached;
  const uint64_t epoch = settings_cache_.Epoch();
  SB_ASSIGN_OR_RETURN(auto row, engine_->Get(ColumnFamily::kCatalog, key));
  BoardSettings settings;
  if (row) {
    SB_ASSIGN_OR_RETURN(settings, DecodeBoardSettings(*row));
  }
  if (fill) settings_cache_.Fill(key, settings, epoch);
  return settings;
}

Result<BoardSettings> LeaderboardService::Settings(const BoardName& board) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  return ReadSettings(BoardSettingsKey(board));
}

boost::asio::awaitable<Result<BoardSettings>> LeaderboardService::UpdateSettings(
    BoardName board, SettingsChange change, SettingsContext context) {
  SB_CO_RETURN_IF_ERROR(ValidateBoardName(board));
  if (change.reset_schedule && !change.reset_schedule->empty()) {
    SB_CO_ASSIGN_OR_RETURN(core::Schedule schedule, core::ParseSchedule(*change.reset_schedule));
    if (schedule.every.count() > 0 && schedule.every < limits_.min_reset_interval) {
      co_return Status::InvalidArgument(
          "resetSchedule: \"@every\" must be at least " +
          std::to_string(limits_.min_reset_interval.count()) +
          " seconds (config leaderboard_min_reset_interval_seconds).");
    }
  }
  if (change.archive_seasons && *change.archive_seasons > limits_.max_archive_seasons) {
    co_return Status::InvalidArgument("archiveSeasons must be from 0 to " +
                                      std::to_string(limits_.max_archive_seasons) +
                                      " (config max_leaderboard_archive_seasons).")
        .WithMetadata("limit", "max_leaderboard_archive_seasons");
  }
  std::function<Result<BoardSettings>(store::WriteView&)> mutation =
      [this, board = std::move(board), change](store::WriteView& view) -> Result<BoardSettings> {
    const std::string settings_key = BoardSettingsKey(board);
    SB_ASSIGN_OR_RETURN(BoardSettings settings, ReadSettings(view, settings_key));
    if (change.strategy) settings.strategy = *change.strategy;
    if (change.best_order) settings.best_order = *change.best_order;
    // One instant for every decision below (a reset between two clock reads would start a
    // season that ends where it begins).
    const core::Timestamp now = view.Now(seasons_.clock());
    if (change.archive_seasons && *change.archive_seasons != settings.archive_seasons) {
      // What is out of retention now stays out, even if the new number would reach it.
      SB_ASSIGN_OR_RETURN(SeasonSpan live, seasons_.Live(settings_key, settings, now));
      if (live.id > settings.archive_seasons) {
        settings.first_kept_season =
            std::max(settings.first_kept_season, live.id - settings.archive_seasons);
      }
      settings.archive_seasons = *change.archive_seasons;
    }
    if (change.reset_schedule && *change.reset_schedule != settings.reset_schedule) {
      // The live season goes on under the new schedule: it ends at the new schedule's next
      // fire time. A board that never had one starts its first season now.
      SB_ASSIGN_OR_RETURN(SeasonSpan live, seasons_.Live(settings_key, settings, now));
      const bool had_seasons = HasSeasons(settings);
      settings.first_season = live.id;
      settings.first_season_start_ns =
          had_seasons ? core::ToUnixNanos(live.start) : core::ToUnixNanos(now);
      settings.schedule_set_at_ns = core::ToUnixNanos(now);
      settings.reset_schedule = *change.reset_schedule;
      SB_ASSIGN_OR_RETURN(SeasonSpan renewed, LiveSeasonAt(settings, now));
      BoardName season = board;
      season.season = renewed.id;
      // The live season's row: kept (now with its new end) when it exists, written when the
      // season already holds entries (a board's entries from before its first schedule).
      SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kCatalog, SeasonRowKey(season)));
      bool has_entries = row.has_value();
      if (!has_entries) {
        const std::string prefix = BoardKey(season);
        auto it = view.NewIterator(ColumnFamily::kOrdered, prefix, store::PrefixSuccessor(prefix));
        it->Seek(prefix);
        has_entries = it->Valid();
        SB_RETURN_IF_ERROR(it->status());
      }
      if (has_entries) {
        view.Put(ColumnFamily::kCatalog, SeasonRowKey(season), EncodeSeasonRow(renewed));
      }
    }
    view.Put(ColumnFamily::kCatalog, settings_key, EncodeBoardSettings(settings));
    view.OnCommitted([this, settings_key] {
      settings_cache_.Invalidate(settings_key);
      reclaim_due_.store(true);
    });
    return settings;
  };
  // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
  auto result = co_await pipeline_->Commit<BoardSettings>(std::move(mutation), std::move(context));
  co_return result;
}

Result<LeaderboardService::SeasonAnswer> LeaderboardService::ResolveSeason(
    BoardName* board, std::optional<uint64_t> requested) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(*board));
  const std::string settings_key = BoardSettingsKey(*board);
  SB_ASSIGN_OR_RETURN(BoardSettings settings, ReadSettings(settings_key));
  SeasonAnswer answer;
  answer.has_seasons = HasSeasons(settings);
  SB_ASSIGN_OR_RETURN(answer.span, seasons_.Live(settings_key, settings));
  if (requested && *requested != answer.span.id) {
    if (!Retained(settings, answer.span.id, *requested)) return SeasonNotFound(*requested);
    BoardName archived = *board;
    archived.season = *requested;
    SB_ASSIGN_OR_RETURN(auto row, engine_->Get(ColumnFamily::kCatalog, SeasonRowKey(archived)));
    if (!row) return SeasonNotFound(*requested);
    SB_ASSIGN_OR_RETURN(answer.span, DecodeSeasonRow(*requested, *row));
    answer.live = false;
  }
  board->season = answer.span.id;
  return answer;
}

Result<std::vector<LeaderboardService::SeasonSummary>> LeaderboardService::Seasons(
    const BoardName& board) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  const std::string settings_key = BoardSettingsKey(board);
  SB_ASSIGN_OR_RETURN(BoardSettings settings, ReadSettings(settings_key));
  SB_ASSIGN_OR_RETURN(SeasonSpan live, seasons_.Live(settings_key, settings));
  auto size_of = [this, &board](uint64_t season) {
    BoardName b = board;
    b.season = season;
    return ReadBoard(b, [](const RankIndex& index) { return index.size(); });
  };
  std::vector<SeasonSummary> seasons;
  seasons.push_back(SeasonSummary{live, true, size_of(live.id)});
  if (!HasSeasons(settings)) return seasons;
  const std::string prefix = SeasonRowPrefix(board);
  auto it = engine_->NewIterator(ColumnFamily::kCatalog, prefix, store::PrefixSuccessor(prefix));
  std::vector<SeasonSummary> archived;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    uint64_t season = 0;
    if (!ParseSeasonRowKey(it->key(), prefix, &season)) {
      return Status::Internal("corrupt leaderboard season key");
    }
    if (season == live.id || !Retained(settings, live.id, season)) continue;
    SB_ASSIGN_OR_RETURN(SeasonSpan span, DecodeSeasonRow(season, it->value()));
    archived.push_back(SeasonSummary{span, false, size_of(season)});
  }
  SB_RETURN_IF_ERROR(it->status());
  seasons.insert(seasons.end(), archived.rbegin(), archived.rend());
  return seasons;
}

boost::asio::awaitable<Result<size_t>> LeaderboardService::ReclaimSeasons(size_t budget) {
  size_t deleted = 0;
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  const bool rescan = now_ns - last_reclaim_scan_ns_.load() >=
                      std::chrono::duration_cast<std::chrono::nanoseconds>(kReclaimRescan).count();
  if (!reclaim_due_.exchange(false) && !rescan) co_return deleted;
  last_reclaim_scan_ns_.store(now_ns);
  for (const std::string& board_key : boards_.Keys()) {
    if (deleted >= budget) {
      reclaim_due_.store(true);  // more may be left: look again next pass
      break;
    }
    BoardName board;
    std::string_view in = board_key;
    if (!ParseBoardKey(&in, &board) || !in.empty()) continue;
    const std::string settings_key = BoardSettingsKey(board);
    // Not filling the cache: this scan visits every board, and must not evict the ones that
    // requests keep there.
    auto settings = ReadSettings(settings_key, /*fill=*/false);
    if (!settings.ok() || !HasSeasons(*settings)) continue;
    auto live = seasons_.Live(settings_key, *settings);
    if (!live.ok() || board.season >= live->id || Retained(*settings, live->id, board.season)) {
      continue;
    }
    // One bounded batch of this season's rows: the index rows name the entries.
    std::vector<std::pair<std::string, std::string>> rows;  // (index key, entry id)
    bool last_batch = false;  // the batch reaches the season's last row
    {
      auto it = engine_->NewIterator(ColumnFamily::kOrderedIndex, board_key,
                                     store::PrefixSuccessor(board_key));
      for (it->Seek(board_key); it->Valid() && deleted + rows.size() < budget; it->Next()) {
        OrderedIndexRow row;
        if (!ParseOrderedIndexKey(it->key(), &row)) {
          co_return Status::Internal("corrupt ordered_index key");
        }
        rows.emplace_back(std::string(it->key()), std::move(row.id));
      }
      SB_CO_RETURN_IF_ERROR(it->status());
      last_batch = !it->Valid();
    }
    std::function<Result<size_t>(store::WriteView&)> mutation =
        [this, board, board_key, rows = std::move(rows),
         last_batch](store::WriteView& view) -> Result<size_t> {
      for (const auto& [index_key, id] : rows) {
        view.Delete(ColumnFamily::kOrderedIndex, index_key);
        view.Delete(ColumnFamily::kOrdered, OrderedKey(board, id));
      }
      if (last_batch) view.Delete(ColumnFamily::kCatalog, SeasonRowKey(board));
      std::vector<std::string> ids;
      for (const auto& entry : rows) ids.push_back(entry.second);
      view.OnCommitted([this, board_key, ids = std::move(ids)] {
        for (const std::string& id : ids) boards_.Apply(board_key, id, std::nullopt);
      });
      return rows.size();
    };
    auto committed = co_await pipeline_->Commit<size_t>(std::move(mutation));
    SB_CO_ASSIGN_OR_RETURN(size_t n, std::move(committed));
    deleted += n;
    if (!last_batch) reclaim_due_.store(true);  // this season has more rows: next pass
  }
  co_return deleted;
}

Result<LeaderboardService::ListPage> LeaderboardService::List(const ListQuery& query) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(query.board));
  std::optional<ResumeKey> resume;
  if (query.resume_after) {
    SB_ASSIGN_OR_RETURN(resume, DecodeResumeKey(*query.resume_after));
  }
  auto read = [&](const RankIndex& index) {
    auto [position, end] = PositionsOf(index, query.range, query.order);
    if (resume) {
      position = std::max(position, index.PositionAfter(resume->value, resume->arrival, query.order,
                                                        resume->subscore));
    }
    ListPage page;
    for (; position < end && page.entries.size() < query.page_size; ++position) {
      page.entries.push_back(RankedAt(index, position, query.order));
    }
    if (position < end && !page.entries.empty()) {
      page.next_after = EncodeResumeKey(index.At(position - 1, query.order));
    }
    return page;
  };
  return ReadRanked<ListPage>(query.board, read,
                              [](ListPage& page) { return std::span(page.entries); });
}

Result<LeaderboardService::RankAnswer> LeaderboardService::Rank(const BoardName& board,
                                                                const std::string& id,
                                                                SortOrder order) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  SB_RETURN_IF_ERROR(ValidateEntryId(id));
  return ReadRanked<RankAnswer>(
      board,
      [&](const RankIndex& index) -> Result<RankAnswer> {
        auto position = index.PositionOf(id, order);
        if (!position) return EntryNotFound();
        return RankAnswer{RankedAt(index, *position, order), index.size()};
      },
      [](RankAnswer& answer) { return std::span(&answer.entry, 1); });
}

Result<LeaderboardService::Neighborhood> LeaderboardService::Neighbors(const BoardName& board,
                                                                       const std::string& id,
                                                                       SortOrder order,
                                                                       size_t before,
                                                                       size_t after) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  SB_RETURN_IF_ERROR(ValidateEntryId(id));
  return ReadRanked<Neighborhood>(
      board,
      [&](const RankIndex& index) -> Result<Neighborhood> {
        auto position = index.PositionOf(id, order);
        if (!position) return EntryNotFound();
        Neighborhood found;
        found.total = index.size();
        const size_t first = *position - std::min(before, *position);
        const size_t end = std::min(index.size(), *position + after + 1);
        for (size_t p = first; p < end; ++p) found.entries.push_back(RankedAt(index, p, order));
        return found;
      },
      [](Neighborhood& around) { return std::span(around.entries); });
}

Result<LeaderboardService::BatchAnswer> LeaderboardService::BatchRank(
    const BoardName& board, const std::vector<std::string>& ids, SortOrder order) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  for (const std::string& id : ids) SB_RETURN_IF_ERROR(ValidateEntryId(id));
  auto read = [&](const RankIndex& index) {
    BatchAnswer answer;
    answer.total = index.size();
    for (const std::string& id : ids) {
      if (auto position = index.PositionOf(id, order)) {
        answer.entries.push_back(RankedAt(index, *position, order));
      } else if (std::find(answer.missing.begin(), answer.missing.end(), id) ==
                 answer.missing.end()) {
        answer.missing.push_back(id);  // once, as the entries found
      }
    }
    std::sort(answer.entries.begin(), answer.entries.end(),
              [](const RankedEntry& a, const RankedEntry& b) { return a.rank < b.rank; });
    // An id asked for twice is answered once.
    answer.entries.erase(
        std::unique(answer.entries.begin(), answer.entries.end(),
                    [](const RankedEntry& a, const RankedEntry& b) { return a.rank == b.rank; }),
        answer.entries.end());
    return answer;
  };
  return ReadRanked<BatchAnswer>(board, read,
                                 [](BatchAnswer& batch) { return std::span(batch.entries); });
}

Result<size_t> LeaderboardService::Count(const BoardName& board, const ValueRange& range) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  return ReadBoard(board, [&](const RankIndex& index) {
    auto [first, end] = PositionsOf(index, range, SortOrder::kAscending);
    return end - first;
  });
}

boost::asio::awaitable<Result<OrderedEntry>> LeaderboardService::Create(
    BoardName board, std::string id, int64_t value, Context context, EntryExtras extras) {
  auto staged = StageCreate(std::move(board), std::move(id), std::move(value), std::move(extras));
  auto result =
      co_await pipeline_->CommitStaged<OrderedEntry>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<OrderedEntry>> LeaderboardService::Update(
    BoardName board, std::string id, int64_t value, bool allow_missing, Context context,
    EntryExtras extras) {
  auto staged = StageUpdate(std::move(board), std::move(id), std::move(value),
                            std::move(allow_missing), std::move(extras));
  auto result =
      co_await pipeline_->CommitStaged<OrderedEntry>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<OrderedEntry>> LeaderboardService::Increment(
    BoardName board, std::string id, int64_t amount, Context context, EntryExtras extras) {
  auto staged =
      StageIncrement(std::move(board), std::move(id), std::move(amount), std::move(extras));
  auto result =
      co_await pipeline_->CommitStaged<OrderedEntry>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<OrderedEntry>> LeaderboardService::Delete(
    BoardName board, std::string id, bool missing_ok, Context context, EntryExtras extras) {
  auto staged =
      StageDelete(std::move(board), std::move(id), std::move(missing_ok), std::move(extras));
  auto result =
      co_await pipeline_->CommitStaged<OrderedEntry>(std::move(staged), std::move(context));
  co_return result;
}

}  // namespace strongbox::leaderboard
