#include "leaderboard/rank_index.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <functional>
#include <limits>
#include <new>

namespace strongbox::leaderboard {

namespace {

// A block splits in two past kMaxBlock pointers, so an insert moves at most 8 KB; a block that
// falls under kMinBlock joins a neighbour, so the block list stays short.
constexpr size_t kMaxBlock = 1024;
constexpr size_t kMinBlock = kMaxBlock / 8;
// A rebuild fills blocks half way, leaving room for inserts before the first split.
constexpr size_t kAppendBlock = kMaxBlock / 2;

// Arrivals use the upper 56 bits of a word whose low byte is the id length (7 bits) and the
// has-metadata flag (the top bit of that byte).
constexpr int kLengthBits = 8;
constexpr uint64_t kMaxArrival = (uint64_t{1} << (64 - kLengthBits)) - 1;
constexpr uint64_t kLengthMask = 0x7f;
constexpr uint64_t kMetadataFlag = 0x80;

size_t HashId(std::string_view id) { return std::hash<std::string_view>()(id); }

}  // namespace

struct RankIndex::Node {
  int64_t value;
  int64_t subscore;
  // arrival << 8 | metadata flag | id length; the id bytes follow the node
  uint64_t arrival_and_length;

  uint64_t arrival() const { return arrival_and_length >> kLengthBits; }
  size_t length() const { return arrival_and_length & kLengthMask; }
  bool has_metadata() const { return (arrival_and_length & kMetadataFlag) != 0; }
};

namespace {

uint64_t ArrivalWord(uint64_t arrival, size_t length, bool has_metadata) {
  return (arrival << kLengthBits) | (has_metadata ? kMetadataFlag : 0) | length;
}

}  // namespace

RankIndex::~RankIndex() {
  for (auto& block : blocks_) {
    for (Node* node : block) FreeNode(node);
  }
}

RankIndex::Key RankIndex::KeyOf(const Node* node) {
  return {node->value, node->subscore, node->arrival()};
}

RankIndex::Entry RankIndex::EntryOf(const Node* node) {
  return Entry{IdOf(node), node->value, node->arrival(), node->subscore, node->has_metadata()};
}

RankIndex::Node* RankIndex::NewNode(std::string_view id, int64_t value, uint64_t arrival,
                                    int64_t subscore, bool has_metadata) {
  assert(id.size() <= kLengthMask && arrival <= kMaxArrival);
  void* memory = ::operator new(sizeof(Node) + id.size());
  Node* node = new (memory) Node{value, subscore, ArrivalWord(arrival, id.size(), has_metadata)};
  std::memcpy(reinterpret_cast<char*>(node + 1), id.data(), id.size());
  return node;
}

void RankIndex::FreeNode(Node* node) { ::operator delete(node); }

std::string_view RankIndex::IdOf(const Node* node) {
  return {reinterpret_cast<const char*>(node + 1), node->length()};
}

// ---- Public operations ----

void RankIndex::Upsert(std::string_view id, int64_t value, uint64_t arrival, int64_t subscore,
                       bool has_metadata) {
  const size_t slot = SlotOf(id);
  Node* node = table_.empty() ? nullptr : table_[slot];
  if (node != nullptr) {
    if (KeyOf(node) == Key{value, subscore, arrival}) {
      node->arrival_and_length = ArrivalWord(arrival, node->length(), has_metadata);
      return;
    }
    RemoveNode(node);
    node->value = value;
    node->subscore = subscore;
    node->arrival_and_length = ArrivalWord(arrival, node->length(), has_metadata);
    InsertNode(node);
    return;
  }
  node = NewNode(id, value, arrival, subscore, has_metadata);
  TableInsert(node);
  InsertNode(node);
  ++size_;
}

bool RankIndex::Erase(std::string_view id) {
  if (table_.empty()) return false;
  const size_t slot = SlotOf(id);
  Node* node = table_[slot];
  if (node == nullptr) return false;
  RemoveNode(node);
  TableErase(slot);
  FreeNode(node);
  --size_;
  return true;
}

bool RankIndex::AppendsInOrder(int64_t value, uint64_t arrival, int64_t subscore) const {
  return blocks_.empty() || block_max_.back() < Key{value, subscore, arrival};
}

void RankIndex::Append(std::string_view id, int64_t value, uint64_t arrival, int64_t subscore,
                       bool has_metadata) {
  Node* node = NewNode(id, value, arrival, subscore, has_metadata);
  TableInsert(node);
  assert(blocks_.empty() || block_max_.back() < KeyOf(node));
  if (blocks_.empty() || blocks_.back().size() >= kAppendBlock) {
    blocks_.emplace_back();
    blocks_.back().reserve(kAppendBlock);
    blocks_.back().push_back(node);
    block_max_.push_back(KeyOf(node));
    RebuildFenwick();
  } else {
    blocks_.back().push_back(node);
    block_max_.back() = KeyOf(node);
    FenwickAdd(blocks_.size() - 1, 1);
  }
  ++size_;
}

std::optional<RankIndex::Entry> RankIndex::Find(std::string_view id) const {
  if (table_.empty()) return std::nullopt;
  const Node* node = table_[SlotOf(id)];
  if (node == nullptr) return std::nullopt;
  return EntryOf(node);
}

std::optional<size_t> RankIndex::PositionOf(std::string_view id, SortOrder order) const {
  if (table_.empty()) return std::nullopt;
  const Node* node = table_[SlotOf(id)];
  if (node == nullptr) return std::nullopt;
  const size_t ascending = AscendingPosition(node);
  if (order == SortOrder::kAscending) return ascending;
  return ToDescending(ascending, node);
}

RankIndex::Entry RankIndex::At(size_t position, SortOrder order) const {
  assert(position < size_);
  size_t index = position;
  if (order == SortOrder::kDescending) {
    // The tie group at this descending position is the score found at the mirrored ascending
    // position; inside the group, arrivals still go up.
    const Node* mirrored = AscendingAt(size_ - 1 - position);
    auto [group_first, group_end] = TieGroup(mirrored->value, mirrored->subscore);
    index = group_first + (position - (size_ - group_end));
  }
  return EntryOf(AscendingAt(index));
}

std::pair<size_t, size_t> RankIndex::PositionsOfValues(int64_t min, int64_t max,
                                                       SortOrder order) const {
  if (min > max) return {0, 0};
  const size_t below = CountValueBelow(min);
  const size_t at_most = CountValueAtMost(max);
  if (order == SortOrder::kAscending) return {below, at_most};
  return {size_ - at_most, size_ - below};
}

size_t RankIndex::PositionAfter(int64_t value, uint64_t arrival, SortOrder order,
                                int64_t subscore) const {
  auto [group_first, group_end] = TieGroup(value, subscore);
  // Entries at or before (value, subscore, arrival) in ascending order.
  const size_t through =
      arrival >= kMaxArrival ? group_end : CountLess({value, subscore, arrival + 1});
  if (order == SortOrder::kAscending) return through;
  // Descending: every higher score, then the tie group's arrivals up to this one.
  return (size_ - group_end) + (through - group_first);
}

// ---- Positions ----

size_t RankIndex::CountLess(Key key) const {
  const auto block = std::lower_bound(block_max_.begin(), block_max_.end(), key);
  if (block == block_max_.end()) return size_;
  const size_t b = static_cast<size_t>(block - block_max_.begin());
  const auto& nodes = blocks_[b];
  const auto at = std::lower_bound(nodes.begin(), nodes.end(), key,
                                   [](const Node* n, const Key& k) { return KeyOf(n) < k; });
  return FenwickPrefix(b) + static_cast<size_t>(at - nodes.begin());
}

size_t RankIndex::CountValueBelow(int64_t v) const {
  return CountLess({v, std::numeric_limits<int64_t>::min(), 0});
}

size_t RankIndex::CountValueAtMost(int64_t v) const {
  // No arrival reaches the maximum word, so this counts every entry at value v.
  return CountLess({v, std::numeric_limits<int64_t>::max(), std::numeric_limits<uint64_t>::max()});
}

std::pair<size_t, size_t> RankIndex::TieGroup(int64_t value, int64_t subscore) const {
  return {CountLess({value, subscore, 0}),
          CountLess({value, subscore, std::numeric_limits<uint64_t>::max()})};
}

const RankIndex::Node* RankIndex::AscendingAt(size_t index) const {
  auto [block, offset] = FenwickFind(index);
  return blocks_[block][offset];
}

size_t RankIndex::AscendingPosition(const Node* node) const { return CountLess(KeyOf(node)); }

size_t RankIndex::ToDescending(size_t ascending_index, const Node* node) const {
  auto [group_first, group_end] = TieGroup(node->value, node->subscore);
  return (size_ - group_end) + (ascending_index - group_first);
}

// ---- Blocks ----

void RankIndex::InsertNode(Node* node) {
  const Key key = KeyOf(node);
  if (blocks_.empty()) {
    blocks_.emplace_back(1, node);
    block_max_.push_back(key);
    RebuildFenwick();
    return;
  }
  size_t b = static_cast<size_t>(std::lower_bound(block_max_.begin(), block_max_.end(), key) -
                                 block_max_.begin());
  if (b == blocks_.size()) b = blocks_.size() - 1;  // past every key: the last block grows
  auto& nodes = blocks_[b];
  auto at = std::lower_bound(nodes.begin(), nodes.end(), key,
                             [](const Node* n, const Key& k) { return KeyOf(n) < k; });
  nodes.insert(at, node);
  block_max_[b] = KeyOf(nodes.back());
  if (nodes.size() <= kMaxBlock) {
    FenwickAdd(b, 1);
    return;
  }
  std::vector<Node*> upper(nodes.begin() + static_cast<std::ptrdiff_t>(nodes.size() / 2),
                           nodes.end());
  nodes.resize(nodes.size() / 2);
  block_max_[b] = KeyOf(nodes.back());
  block_max_.insert(block_max_.begin() + static_cast<std::ptrdiff_t>(b) + 1, KeyOf(upper.back()));
  blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
  RebuildFenwick();
}

void RankIndex::RemoveNode(const Node* node) {
  const Key key = KeyOf(node);
  const size_t b = static_cast<size_t>(std::lower_bound(block_max_.begin(), block_max_.end(), key) -
                                       block_max_.begin());
  assert(b < blocks_.size());
  auto& nodes = blocks_[b];
  auto at = std::lower_bound(nodes.begin(), nodes.end(), key,
                             [](const Node* n, const Key& k) { return KeyOf(n) < k; });
  assert(at != nodes.end() && *at == node);
  nodes.erase(at);
  if (nodes.empty()) {
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b));
    block_max_.erase(block_max_.begin() + static_cast<std::ptrdiff_t>(b));
    RebuildFenwick();
    return;
  }
  block_max_[b] = KeyOf(nodes.back());
  if (nodes.size() >= kMinBlock || blocks_.size() == 1) {
    FenwickAdd(b, -1);
    return;
  }
  // Join the small block with its next neighbour (or the previous one, for the last block)
  // when they fit in one.
  const size_t left = b + 1 < blocks_.size() ? b : b - 1;
  if (blocks_[left].size() + blocks_[left + 1].size() > kMaxBlock) {
    FenwickAdd(b, -1);
    return;
  }
  auto& into = blocks_[left];
  into.insert(into.end(), blocks_[left + 1].begin(), blocks_[left + 1].end());
  block_max_[left] = block_max_[left + 1];
  blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(left) + 1);
  block_max_.erase(block_max_.begin() + static_cast<std::ptrdiff_t>(left) + 1);
  RebuildFenwick();
}

// Fenwick tree over block sizes, 1-based: fenwick_[i] sums blocks (i - lowbit(i), i].
void RankIndex::RebuildFenwick() {
  fenwick_.assign(blocks_.size() + 1, 0);
  for (size_t i = 1; i <= blocks_.size(); ++i) {
    fenwick_[i] += static_cast<uint32_t>(blocks_[i - 1].size());
    const size_t parent = i + (i & (~i + 1));
    if (parent <= blocks_.size()) fenwick_[parent] += fenwick_[i];
  }
}

void RankIndex::FenwickAdd(size_t block, int delta) {
  for (size_t i = block + 1; i < fenwick_.size(); i += i & (~i + 1)) {
    fenwick_[i] = static_cast<uint32_t>(static_cast<int64_t>(fenwick_[i]) + delta);
  }
}

size_t RankIndex::FenwickPrefix(size_t blocks) const {
  size_t sum = 0;
  for (size_t i = blocks; i > 0; i -= i & (~i + 1)) sum += fenwick_[i];
  return sum;
}

std::pair<size_t, size_t> RankIndex::FenwickFind(size_t index) const {
  // Descend to the largest prefix of whole blocks holding at most `index` entries.
  size_t position = 0;
  size_t remaining = index;
  size_t step = 1;
  while (step * 2 < fenwick_.size()) step *= 2;
  for (; step > 0; step /= 2) {
    const size_t next = position + step;
    if (next < fenwick_.size() && fenwick_[next] <= remaining) {
      position = next;
      remaining -= fenwick_[next];
    }
  }
  return {position, remaining};
}

// ---- Id table ----

size_t RankIndex::SlotOf(std::string_view id) const {
  if (table_.empty()) return 0;
  const size_t mask = table_.size() - 1;
  size_t slot = HashId(id) & mask;
  while (table_[slot] != nullptr && IdOf(table_[slot]) != id) slot = (slot + 1) & mask;
  return slot;
}

void RankIndex::TableInsert(Node* node) {
  // Grow at 3/4 full, keeping probe sequences short.
  if ((size_ + 1) * 4 > table_.size() * 3) TableGrow();
  table_[SlotOf(IdOf(node))] = node;
}

void RankIndex::TableErase(size_t slot) {
  // Backward-shift deletion: pull later entries of the probe run into the hole, so lookups
  // never need tombstones.
  const size_t mask = table_.size() - 1;
  size_t hole = slot;
  table_[hole] = nullptr;
  for (size_t next = (hole + 1) & mask; table_[next] != nullptr; next = (next + 1) & mask) {
    const size_t home = HashId(IdOf(table_[next])) & mask;
    // The entry may move into the hole unless its home lies cyclically in (hole, next].
    const bool stays = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
    if (stays) continue;
    table_[hole] = table_[next];
    table_[next] = nullptr;
    hole = next;
  }
}

void RankIndex::TableGrow() {
  std::vector<Node*> old = std::move(table_);
  table_.assign(std::max<size_t>(16, old.size() * 2), nullptr);
  for (Node* node : old) {
    if (node != nullptr) table_[SlotOf(IdOf(node))] = node;
  }
}

}  // namespace strongbox::leaderboard
