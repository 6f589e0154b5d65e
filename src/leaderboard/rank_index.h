#pragma once

// RankIndex: the in-memory order statistic of one leaderboard (design.md §2). RocksDB keeps
// the entries sorted but cannot say "how many come before this one" without scanning them, so
// each board also lives here, where rank, select-by-position and range counts are O(log n).
//
// Order. Entries sort by (value, subscore, arrival): `subscore` breaks ties of value in the
// value's direction (api.md §9; 0 when none was given), and `arrival` is a number that grows
// with every move to a new score, so among equal scores the one that got there first comes
// first. Ascending order is that order; descending order is by (value, subscore) descending, but
// ties still go to the earlier arrival (api.md §4), so it is NOT the reverse of ascending within
// a tie group. Positions are 0-based in the requested order. Value ranges (PositionsOfValues)
// count by value alone.
//
// Layout (≈ 48 bytes per entry plus the id, see docs/benchmarks.md): each entry is one small
// heap node {value, subscore, arrival, id bytes}; nodes are referenced from a list of sorted blocks
// (≤ kMaxBlock pointers each) with a Fenwick tree of block sizes for positions, and from an
// open-addressing table keyed by id. This is the "sorted list of blocks" shape of Python's
// sortedcontainers: inserts move at most one block's pointers, lookups are two binary searches.
//
// Ownership: the leaderboard service owns one per board. Thread safety: none; the owner locks.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace strongbox::leaderboard {

enum class SortOrder { kAscending, kDescending };

class RankIndex {
 public:
  struct Entry {
    std::string_view id;  // valid until the entry changes or is erased
    int64_t value = 0;
    uint64_t arrival = 0;
    int64_t subscore = 0;
    bool has_metadata = false;  // the entry's record holds metadata (kept there, not here)
  };

  RankIndex() = default;
  ~RankIndex();
  RankIndex(const RankIndex&) = delete;
  RankIndex& operator=(const RankIndex&) = delete;

  size_t size() const { return size_; }

  // Adds `id`, or moves it to (value, subscore, arrival). REQUIRES: no other entry has that
  // arrival; id ≤ 127 bytes.
  void Upsert(std::string_view id, int64_t value, uint64_t arrival, int64_t subscore = 0,
              bool has_metadata = false);
  // Removes `id`; false when absent.
  bool Erase(std::string_view id);
  // For a rebuild: appends an entry that sorts after every entry present (ascending).
  // REQUIRES: (value, subscore, arrival) greater than the last entry's; `id` not present.
  void Append(std::string_view id, int64_t value, uint64_t arrival, int64_t subscore = 0,
              bool has_metadata = false);
  // Whether Append may take (value, subscore, arrival): it sorts after the last entry.
  bool AppendsInOrder(int64_t value, uint64_t arrival, int64_t subscore = 0) const;

  std::optional<Entry> Find(std::string_view id) const;
  // Position of `id` in `order`; nullopt when absent.
  std::optional<size_t> PositionOf(std::string_view id, SortOrder order) const;
  // The entry at `position` in `order`. REQUIRES: position < size().
  Entry At(size_t position, SortOrder order) const;
  // The positions [first, last) in `order` of the entries whose value is within [min, max].
  std::pair<size_t, size_t> PositionsOfValues(int64_t min, int64_t max, SortOrder order) const;
  // The position in `order` of the first entry that comes after (value, subscore, arrival),
  // whether or not an entry is there now: where a page that ended at that entry resumes.
  size_t PositionAfter(int64_t value, uint64_t arrival, SortOrder order,
                       int64_t subscore = 0) const;

 private:
  struct Node;
  using Key = std::tuple<int64_t, int64_t, uint64_t>;  // (value, subscore, arrival)

  static Key KeyOf(const Node* node);
  static Node* NewNode(std::string_view id, int64_t value, uint64_t arrival, int64_t subscore,
                       bool has_metadata);
  static Entry EntryOf(const Node* node);
  static void FreeNode(Node* node);
  static std::string_view IdOf(const Node* node);

  // Ascending positions.
  size_t CountLess(Key key) const;          // entries sorting before `key`
  size_t CountValueBelow(int64_t v) const;  // entries with value < v
  size_t CountValueAtMost(int64_t v) const;
  // The ascending positions [first, end) of the tie group (value, subscore).
  std::pair<size_t, size_t> TieGroup(int64_t value, int64_t subscore) const;
  const Node* AscendingAt(size_t index) const;
  size_t AscendingPosition(const Node* node) const;
  size_t ToDescending(size_t ascending_index, const Node* node) const;

  // Blocks.
  void InsertNode(Node* node);
  void RemoveNode(const Node* node);
  void RebuildFenwick();
  void FenwickAdd(size_t block, int delta);
  size_t FenwickPrefix(size_t blocks) const;                  // entries in blocks [0, blocks)
  std::pair<size_t, size_t> FenwickFind(size_t index) const;  // (block, offset) of index

  // Id table: open addressing with linear probing; nullptr marks an empty slot.
  size_t SlotOf(std::string_view id) const;  // the slot holding id, or the empty slot for it
  void TableInsert(Node* node);
  void TableErase(size_t slot);
  void TableGrow();

  std::vector<std::vector<Node*>> blocks_;
  std::vector<Key> block_max_;  // the last key of each block
  std::vector<uint32_t> fenwick_;
  std::vector<Node*> table_;
  size_t size_ = 0;
};

}  // namespace strongbox::leaderboard
