#include "leaderboard/leaderboard_service.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "store/key_codec.h"

namespace strongbox::leaderboard {

using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

Status EntryNotFound() { return Status::NotFound("Entry not found."); }

// A page resumes after the (value, arrival) of the last entry it returned.
std::string EncodeResumeKey(const RankIndex::Entry& entry) {
  std::string out;
  store::PutKeyInt64(&out, entry.value);
  store::PutKeyUint64(&out, entry.arrival);
  return out;
}

Status DecodeResumeKey(std::string_view in, int64_t* value, uint64_t* arrival) {
  if (!store::GetKeyInt64(&in, value) || !store::GetKeyUint64(&in, arrival) || !in.empty()) {
    return Status::InvalidArgument("Invalid page token.");
  }
  return Status::Ok();
}

RankedEntry RankedAt(const RankIndex& index, size_t position, SortOrder order) {
  RankIndex::Entry e = index.At(position, order);
  return RankedEntry{std::string(e.id), e.value, position + 1};
}

std::pair<size_t, size_t> PositionsOf(const RankIndex& index, const ValueRange& range,
                                      SortOrder order) {
  return index.PositionsOfValues(range.min.value_or(std::numeric_limits<int64_t>::min()),
                                 range.max.value_or(std::numeric_limits<int64_t>::max()), order);
}

}  // namespace

LeaderboardService::LeaderboardService(const store::Engine* engine, store::CommitPipeline* pipeline)
    : engine_(engine), pipeline_(pipeline) {}

Result<RankBoards::RebuildStats> LeaderboardService::Rebuild(const RankBoards::Scope& scope) {
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
  return OrderedEntry{id, record.value};
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageWrite(BoardName board, std::string id,
                                                                   NextValueFn next_value) {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  SB_RETURN_IF_ERROR(ValidateEntryId(id));
  return store::Staged<OrderedEntry>(
      [this, board = std::move(board), id = std::move(id),
       next_value = std::move(next_value)](store::WriteView& view) -> Result<OrderedEntry> {
        OrderedEntry out;
        const std::string key = OrderedKey(board, id);
        SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kOrdered, key));
        std::optional<OrderedRecord> current;
        if (bytes) {
          SB_ASSIGN_OR_RETURN(current, DecodeOrderedRecord(*bytes));
        }
        // The board's write strategy, read in the sequencer so a settings change and a write
        // are ordered like any two writes.
        SB_ASSIGN_OR_RETURN(auto settings_row,
                            view.Get(ColumnFamily::kCatalog, BoardSettingsKey(board)));
        BoardSettings settings;
        if (settings_row) {
          SB_ASSIGN_OR_RETURN(settings, DecodeBoardSettings(*settings_row));
        }
        SB_ASSIGN_OR_RETURN(std::optional<int64_t> value, next_value(current, settings));
        std::optional<OrderedRecord> next;
        if (value) {
          // Moving to a new value is a new arrival there (ties go to the earlier one); keeping the
          // value keeps the place, except under `latest`, where every write arrives anew.
          const bool keeps_place =
              current && current->value == *value && settings.strategy != WriteStrategy::kLatest;
          next = OrderedRecord{*value, keeps_place ? current->arrival : next_arrival_.fetch_add(1)};
        }
        const bool moved = !current || !next || current->arrival != next->arrival;
        if (moved) {
          if (current)
            view.Delete(ColumnFamily::kOrderedIndex, OrderedIndexKey(board, *current, id));
          if (next) {
            view.Put(ColumnFamily::kOrdered, key, EncodeOrderedRecord(*next));
            view.Put(ColumnFamily::kOrderedIndex, OrderedIndexKey(board, *next, id), "");
          } else if (current) {
            view.Delete(ColumnFamily::kOrdered, key);
          }
          if (current || next) {
            view.OnCommitted([this, board_key = BoardKey(board), id, next] {
              boards_.Apply(board_key, id, next);
            });
          }
        }
        out.id = id;
        out.value = next ? next->value : (current ? current->value : 0);
        return out;
      });
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageCreate(BoardName board, std::string id,
                                                                    int64_t value) {
  NextValueFn next = [value](const std::optional<OrderedRecord>& current,
                             const BoardSettings&) -> Result<std::optional<int64_t>> {
    if (current) return Status::AlreadyExists("Entry already exists.");
    return std::optional<int64_t>(value);
  };
  return StageWrite(std::move(board), std::move(id), std::move(next));
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageUpdate(BoardName board, std::string id,
                                                                    int64_t value,
                                                                    bool allow_missing) {
  NextValueFn next = [value, allow_missing](
                         const std::optional<OrderedRecord>& current,
                         const BoardSettings& settings) -> Result<std::optional<int64_t>> {
    if (!current && !allow_missing) return EntryNotFound();
    SB_ASSIGN_OR_RETURN(
        int64_t stored,
        Submit(settings, current ? std::optional<int64_t>(current->value) : std::nullopt, value));
    return std::optional<int64_t>(stored);
  };
  return StageWrite(std::move(board), std::move(id), std::move(next));
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageIncrement(BoardName board,
                                                                       std::string id,
                                                                       int64_t amount) {
  NextValueFn next = [amount](const std::optional<OrderedRecord>& current,
                              const BoardSettings& settings) -> Result<std::optional<int64_t>> {
    SB_ASSIGN_OR_RETURN(
        int64_t stored,
        IncrementBy(settings, current ? std::optional<int64_t>(current->value) : std::nullopt,
                    amount));
    return std::optional<int64_t>(stored);
  };
  return StageWrite(std::move(board), std::move(id), std::move(next));
}

Result<store::Staged<OrderedEntry>> LeaderboardService::StageDelete(BoardName board, std::string id,
                                                                    bool missing_ok) {
  NextValueFn next = [missing_ok](const std::optional<OrderedRecord>& current,
                                  const BoardSettings&) -> Result<std::optional<int64_t>> {
    if (!current && !missing_ok) return EntryNotFound();
    return std::optional<int64_t>();
  };
  return StageWrite(std::move(board), std::move(id), std::move(next));
}

Result<BoardSettings> LeaderboardService::Settings(const BoardName& board) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  SB_ASSIGN_OR_RETURN(auto row, engine_->Get(ColumnFamily::kCatalog, BoardSettingsKey(board)));
  if (!row) return BoardSettings{};
  return DecodeBoardSettings(*row);
}

boost::asio::awaitable<Result<BoardSettings>> LeaderboardService::UpdateSettings(
    BoardName board, SettingsChange change, SettingsContext context) {
  SB_CO_RETURN_IF_ERROR(ValidateBoardName(board));
  std::function<Result<BoardSettings>(store::WriteView&)> mutation =
      [board = std::move(board), change](store::WriteView& view) -> Result<BoardSettings> {
    const std::string key = BoardSettingsKey(board);
    SB_ASSIGN_OR_RETURN(auto row, view.Get(ColumnFamily::kCatalog, key));
    BoardSettings settings;
    if (row) {
      SB_ASSIGN_OR_RETURN(settings, DecodeBoardSettings(*row));
    }
    if (change.strategy) settings.strategy = *change.strategy;
    if (change.best_order) settings.best_order = *change.best_order;
    view.Put(ColumnFamily::kCatalog, key, EncodeBoardSettings(settings));
    return settings;
  };
  // GCC 12 destroys temporaries inside a co_await expression twice: keep operands named.
  auto result = co_await pipeline_->Commit<BoardSettings>(std::move(mutation), std::move(context));
  co_return result;
}

Result<LeaderboardService::ListPage> LeaderboardService::List(const ListQuery& query) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(query.board));
  std::optional<std::pair<int64_t, uint64_t>> resume;
  if (query.resume_after) {
    int64_t value;
    uint64_t arrival;
    SB_RETURN_IF_ERROR(DecodeResumeKey(*query.resume_after, &value, &arrival));
    resume.emplace(value, arrival);
  }
  return ReadBoard(query.board, [&](const RankIndex& index) {
    auto [position, end] = PositionsOf(index, query.range, query.order);
    if (resume) {
      position =
          std::max(position, index.PositionAfter(resume->first, resume->second, query.order));
    }
    ListPage page;
    for (; position < end && page.entries.size() < query.page_size; ++position) {
      page.entries.push_back(RankedAt(index, position, query.order));
    }
    if (position < end && !page.entries.empty()) {
      page.next_after = EncodeResumeKey(index.At(position - 1, query.order));
    }
    return page;
  });
}

Result<LeaderboardService::RankAnswer> LeaderboardService::Rank(const BoardName& board,
                                                                const std::string& id,
                                                                SortOrder order) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  SB_RETURN_IF_ERROR(ValidateEntryId(id));
  return ReadBoard(board, [&](const RankIndex& index) -> Result<RankAnswer> {
    auto position = index.PositionOf(id, order);
    if (!position) return EntryNotFound();
    return RankAnswer{RankedAt(index, *position, order), index.size()};
  });
}

Result<LeaderboardService::Neighborhood> LeaderboardService::Neighbors(const BoardName& board,
                                                                       const std::string& id,
                                                                       SortOrder order,
                                                                       size_t before,
                                                                       size_t after) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  SB_RETURN_IF_ERROR(ValidateEntryId(id));
  return ReadBoard(board, [&](const RankIndex& index) -> Result<Neighborhood> {
    auto position = index.PositionOf(id, order);
    if (!position) return EntryNotFound();
    Neighborhood around;
    around.total = index.size();
    const size_t first = *position - std::min(before, *position);
    const size_t end = std::min(index.size(), *position + after + 1);
    for (size_t p = first; p < end; ++p) around.entries.push_back(RankedAt(index, p, order));
    return around;
  });
}

Result<LeaderboardService::BatchAnswer> LeaderboardService::BatchRank(
    const BoardName& board, const std::vector<std::string>& ids, SortOrder order) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  for (const std::string& id : ids) SB_RETURN_IF_ERROR(ValidateEntryId(id));
  return ReadBoard(board, [&](const RankIndex& index) {
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
  });
}

Result<size_t> LeaderboardService::Count(const BoardName& board, const ValueRange& range) const {
  SB_RETURN_IF_ERROR(ValidateBoardName(board));
  return ReadBoard(board, [&](const RankIndex& index) {
    auto [first, end] = PositionsOf(index, range, SortOrder::kAscending);
    return end - first;
  });
}

boost::asio::awaitable<Result<OrderedEntry>> LeaderboardService::Create(BoardName board,
                                                                        std::string id,
                                                                        int64_t value,
                                                                        Context context) {
  auto staged = StageCreate(std::move(board), std::move(id), std::move(value));
  auto result =
      co_await pipeline_->CommitStaged<OrderedEntry>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<OrderedEntry>> LeaderboardService::Update(
    BoardName board, std::string id, int64_t value, bool allow_missing, Context context) {
  auto staged =
      StageUpdate(std::move(board), std::move(id), std::move(value), std::move(allow_missing));
  auto result =
      co_await pipeline_->CommitStaged<OrderedEntry>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<OrderedEntry>> LeaderboardService::Increment(BoardName board,
                                                                           std::string id,
                                                                           int64_t amount,
                                                                           Context context) {
  auto staged = StageIncrement(std::move(board), std::move(id), std::move(amount));
  auto result =
      co_await pipeline_->CommitStaged<OrderedEntry>(std::move(staged), std::move(context));
  co_return result;
}

boost::asio::awaitable<Result<OrderedEntry>> LeaderboardService::Delete(BoardName board,
                                                                        std::string id,
                                                                        bool missing_ok,
                                                                        Context context) {
  auto staged = StageDelete(std::move(board), std::move(id), std::move(missing_ok));
  auto result =
      co_await pipeline_->CommitStaged<OrderedEntry>(std::move(staged), std::move(context));
  co_return result;
}

}  // namespace strongbox::leaderboard
