#pragma once

// The brute-force model of one leaderboard for the randomized tests: every entry in a map,
// sorted on demand by the rule of api.md §4 and §9: (value, subscore) in the requested order,
// ties by first arrival in both orders.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "leaderboard/rank_index.h"

namespace strongbox::testing {

struct BoardModel {
  struct Row {
    std::string id;
    int64_t value;
    uint64_t arrival;
    int64_t subscore = 0;
    std::string metadata;
  };
  std::map<std::string, Row> rows;
  uint64_t next_arrival = 1;

  // Moving to a new score is a new arrival; keeping the score keeps the place.
  void Set(const std::string& id, int64_t value, int64_t subscore = 0, std::string metadata = {}) {
    auto it = rows.find(id);
    if (it != rows.end() && it->second.value == value && it->second.subscore == subscore) {
      it->second.metadata = std::move(metadata);
      return;
    }
    rows[id] = {id, value, next_arrival++, subscore, std::move(metadata)};
  }

  std::vector<Row> Sorted(leaderboard::SortOrder order) const {
    std::vector<Row> out;
    for (const auto& [id, row] : rows) out.push_back(row);
    std::sort(out.begin(), out.end(), [order](const Row& a, const Row& b) {
      const auto score_a = std::make_pair(a.value, a.subscore);
      const auto score_b = std::make_pair(b.value, b.subscore);
      if (score_a != score_b) {
        return order == leaderboard::SortOrder::kAscending ? score_a < score_b : score_a > score_b;
      }
      return a.arrival < b.arrival;
    });
    return out;
  }
};

}  // namespace strongbox::testing
