#pragma once

// The brute-force model of one leaderboard for the randomized tests: every entry in a map,
// sorted on demand by the rule of api.md §4 (value, ties by first arrival in both orders).

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
  };
  std::map<std::string, Row> rows;
  uint64_t next_arrival = 1;

  // Moving to a new value is a new arrival; keeping the value keeps the place.
  void Set(const std::string& id, int64_t value) {
    auto it = rows.find(id);
    if (it != rows.end() && it->second.value == value) return;
    rows[id] = {id, value, next_arrival++};
  }

  std::vector<Row> Sorted(leaderboard::SortOrder order) const {
    std::vector<Row> out;
    for (const auto& [id, row] : rows) out.push_back(row);
    std::sort(out.begin(), out.end(), [order](const Row& a, const Row& b) {
      if (a.value != b.value) {
        return order == leaderboard::SortOrder::kAscending ? a.value < b.value : a.value > b.value;
      }
      return a.arrival < b.arrival;
    });
    return out;
  }
};

}  // namespace strongbox::testing
