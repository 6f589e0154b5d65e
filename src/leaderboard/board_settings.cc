#include "leaderboard/board_settings.h"

#include "store/value_codec.h"

namespace strongbox::leaderboard {

using core::Result;
using core::Status;

namespace {

constexpr std::string_view kCatalogKindSettings = "leaderboard-settings";

Status OutOfRange(int64_t base, int64_t amount) {
  return Status::InvalidArgument("Adding " + std::to_string(amount) + " to " +
                                 std::to_string(base) + " overflows the 64-bit integer value.")
      .WithReason("VALUE_OUT_OF_RANGE");
}

// What a submission of `value` stores under set, latest or sum (best is NextRecord's), given
// the stored value `base` when `stored`.
Result<int64_t> Submit(WriteStrategy strategy, bool stored, int64_t base, int64_t value) {
  if (!stored || strategy != WriteStrategy::kSum) return value;
  int64_t sum;
  if (__builtin_add_overflow(base, value, &sum)) return OutOfRange(base, value);
  return sum;
}

// What `:increment` by `amount` makes of the stored value `base` (0 when missing).
Result<int64_t> IncrementBy(int64_t base, int64_t amount) {
  int64_t sum;
  if (__builtin_add_overflow(base, amount, &sum)) {
    return Status::InvalidArgument("Incrementing " + std::to_string(base) + " by " +
                                   std::to_string(amount) + " overflows the 64-bit integer value.")
        .WithReason("VALUE_OUT_OF_RANGE");
  }
  return sum;
}

}  // namespace

Result<WriteStrategy> ParseWriteStrategy(std::string_view text) {
  if (text == "set") return WriteStrategy::kSet;
  if (text == "best") return WriteStrategy::kBest;
  if (text == "sum") return WriteStrategy::kSum;
  if (text == "latest") return WriteStrategy::kLatest;
  return Status::InvalidArgument("writeStrategy must be \"set\", \"best\", \"sum\" or \"latest\".");
}

std::string_view WriteStrategyName(WriteStrategy strategy) {
  switch (strategy) {
    case WriteStrategy::kSet:
      return "set";
    case WriteStrategy::kBest:
      return "best";
    case WriteStrategy::kSum:
      return "sum";
    case WriteStrategy::kLatest:
      return "latest";
  }
  return "set";
}

std::string BoardSettingsKey(const BoardName& board) {
  return BoardCatalogKey(board, kCatalogKindSettings);
}

std::string EncodeBoardSettings(const BoardSettings& settings) {
  std::string out;
  out.push_back(static_cast<char>(kBoardSettingsFormat));
  out.push_back(static_cast<char>(settings.strategy));
  out.push_back(static_cast<char>(settings.best_order));
  store::PutVarint64(&out, settings.archive_seasons);
  store::PutVarsint64(&out, settings.schedule_set_at_ns);
  store::PutVarint64(&out, settings.first_season);
  store::PutVarsint64(&out, settings.first_season_start_ns);
  store::PutLengthPrefixed(&out, settings.reset_schedule);
  store::PutVarint64(&out, settings.first_kept_season);
  return out;
}

Result<BoardSettings> DecodeBoardSettings(std::string_view bytes) {
  const Status corrupt = Status::Internal("corrupt leaderboard settings record");
  uint8_t format = 0, strategy = 0, order = 0;
  if (!store::GetByte(&bytes, &format) || !store::GetByte(&bytes, &strategy) ||
      !store::GetByte(&bytes, &order) || (format != 1 && format != kBoardSettingsFormat) ||
      strategy > static_cast<uint8_t>(WriteStrategy::kLatest) ||
      order > static_cast<uint8_t>(SortOrder::kDescending)) {
    return corrupt;
  }
  BoardSettings settings;
  settings.strategy = static_cast<WriteStrategy>(strategy);
  settings.best_order = static_cast<SortOrder>(order);
  if (format == 1) return settings;
  uint64_t archive = 0;
  std::string_view schedule;
  if (!store::GetVarint64(&bytes, &archive) ||
      !store::GetVarsint64(&bytes, &settings.schedule_set_at_ns) ||
      !store::GetVarint64(&bytes, &settings.first_season) ||
      !store::GetVarsint64(&bytes, &settings.first_season_start_ns) ||
      !store::GetLengthPrefixed(&bytes, &schedule) ||
      !store::GetVarint64(&bytes, &settings.first_kept_season) || !bytes.empty() ||
      archive > UINT32_MAX) {
    return corrupt;
  }
  settings.archive_seasons = static_cast<uint32_t>(archive);
  settings.reset_schedule.assign(schedule);
  return settings;
}

Result<OrderedRecord> NextRecord(const BoardSettings& settings,
                                 const std::optional<OrderedRecord>& current, int64_t value,
                                 bool increment, const EntryExtras& extras) {
  const int64_t base = current ? current->value : 0;
  OrderedRecord next;
  next.subscore = extras.subscore.value_or(current ? current->subscore : 0);
  next.metadata = extras.metadata.value_or(current ? current->metadata : std::string());
  if (settings.strategy != WriteStrategy::kBest || !current) {
    SB_ASSIGN_OR_RETURN(next.value,
                        increment ? IncrementBy(base, value)
                                  : Submit(settings.strategy, current.has_value(), base, value));
    return next;
  }
  // best: the write's own score, then the better of the two scores wins whole.
  SB_ASSIGN_OR_RETURN(next.value, increment ? IncrementBy(base, value) : value);
  const auto written = std::make_pair(next.value, next.subscore);
  const auto kept = std::make_pair(current->value, current->subscore);
  const bool better =
      settings.best_order == SortOrder::kDescending ? written > kept : written < kept;
  if (better) return next;
  OrderedRecord unchanged = *current;
  return unchanged;
}

}  // namespace strongbox::leaderboard
