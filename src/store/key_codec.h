#pragma once

// Order-preserving key encoding: a tuple encoded with these functions compares, as raw bytes
// (RocksDB's bytewise comparator), exactly as the tuple compares field by field. So range scans,
// prefix listing and pagination cursors are plain RocksDB iteration.
//
//   string   bytes with 0x00 escaped as 00 FF, then the terminator 00 01. Escaping (rather than
//            a length prefix) keeps "b" after "aa" and makes every encoding prefix-free.
//   uint64   8 bytes big-endian.
//   int64    8 bytes big-endian with the sign bit flipped, so negatives sort first.
//   double   8 bytes big-endian: positives with the sign bit set, negatives bit-inverted.
//   *Desc    the same bytes inverted, for fields stored in descending order.
//
// LevelDB style: Put* appends to `dst`; Get* consumes from the front of `in` and returns false
// on malformed input (leaving `in` unspecified).

#include <cstdint>
#include <string>
#include <string_view>

namespace strongbox::store {

void PutKeyString(std::string* dst, std::string_view s);
bool GetKeyString(std::string_view* in, std::string* out);

// A string ended by 00 <tag> instead of 00 01 (tag 02–FE): a second layout of the same key
// family after that field (the leaderboard's season, proto-docs/storage-format.md). GetKeyString
// rejects it, so a reader must opt in; it sorts right after the plain string and before any
// longer one, so a prefix scan over the plain key never reaches it.
inline constexpr uint8_t kKeyStringPlain = 0x01;
void PutKeyStringVariant(std::string* dst, std::string_view s, uint8_t tag);
// Reads a plain string (`*tag` = kKeyStringPlain) or a variant (`*tag` = its tag).
bool GetKeyStringOrVariant(std::string_view* in, std::string* out, uint8_t* tag);

// The encoding of every string field that starts with `prefix`, up to the prefix's end (no
// terminator): escaping maps byte by byte, so a prefix of a string field is a byte range.
void PutKeyStringPrefix(std::string* dst, std::string_view prefix);

void PutKeyUint64(std::string* dst, uint64_t v);
bool GetKeyUint64(std::string_view* in, uint64_t* v);

void PutKeyInt64(std::string* dst, int64_t v);
bool GetKeyInt64(std::string_view* in, int64_t* v);

void PutKeyUint64Desc(std::string* dst, uint64_t v);
bool GetKeyUint64Desc(std::string_view* in, uint64_t* v);

// IEEE 754 double (not NaN), ordered numerically; -0.0 is stored as 0.0.
void PutKeyDouble(std::string* dst, double v);
bool GetKeyDouble(std::string_view* in, double* v);

// The smallest key greater than every key that starts with `prefix` (an exclusive upper bound
// for a prefix scan). Empty when there is none (the prefix is all 0xFF).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace strongbox::store
