#include "store/key_codec.h"

#include <cassert>
#include <cstring>

namespace strongbox::store {
namespace {

void PutBigEndian(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  dst->append(buf, 8);
}

bool GetBigEndian(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r = (r << 8) | static_cast<unsigned char>((*in)[i]);
  in->remove_prefix(8);
  *v = r;
  return true;
}

constexpr uint64_t kSignBit = uint64_t{1} << 63;

}  // namespace

void PutKeyString(std::string* dst, std::string_view s) {
  for (char c : s) {
    dst->push_back(c);
    if (c == '\0') dst->push_back('\xFF');
  }
  dst->push_back('\0');
  dst->push_back('\x01');
}

void PutKeyStringPrefix(std::string* dst, std::string_view prefix) {
  PutKeyString(dst, prefix);
  dst->resize(dst->size() - 2);  // drop the 00 01 terminator
}

void PutKeyStringVariant(std::string* dst, std::string_view s, uint8_t tag) {
  // 01 is the plain terminator and FF an escaped NUL: a variant tag is neither (key_codec.h).
  assert(tag >= 0x02 && tag <= 0xFE);
  PutKeyString(dst, s);
  dst->back() = static_cast<char>(tag);
}

bool GetKeyString(std::string_view* in, std::string* out) {
  uint8_t tag = 0;
  return GetKeyStringOrVariant(in, out, &tag) && tag == kKeyStringPlain;
}

bool GetKeyStringOrVariant(std::string_view* in, std::string* out, uint8_t* tag) {
  out->clear();
  size_t i = 0;
  while (i < in->size()) {
    char c = (*in)[i];
    if (c != '\0') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= in->size()) return false;
    char next = (*in)[i + 1];
    if (next == '\xFF') {
      out->push_back('\0');
      i += 2;
    } else if (next != '\0') {
      *tag = static_cast<uint8_t>(next);
      in->remove_prefix(i + 2);
      return true;
    } else {
      return false;
    }
  }
  return false;
}

void PutKeyUint64(std::string* dst, uint64_t v) { PutBigEndian(dst, v); }
bool GetKeyUint64(std::string_view* in, uint64_t* v) { return GetBigEndian(in, v); }

void PutKeyInt64(std::string* dst, int64_t v) {
  PutBigEndian(dst, static_cast<uint64_t>(v) ^ kSignBit);
}

bool GetKeyInt64(std::string_view* in, int64_t* v) {
  uint64_t u;
  if (!GetBigEndian(in, &u)) return false;
  *v = static_cast<int64_t>(u ^ kSignBit);
  return true;
}

void PutKeyUint64Desc(std::string* dst, uint64_t v) { PutBigEndian(dst, ~v); }

bool GetKeyUint64Desc(std::string_view* in, uint64_t* v) {
  uint64_t u;
  if (!GetBigEndian(in, &u)) return false;
  *v = ~u;
  return true;
}

void PutKeyDouble(std::string* dst, double v) {
  if (v == 0) v = 0;  // -0.0 and 0.0 are one value
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  // Positive numbers: set the sign bit so they sort above negatives; negative numbers: invert
  // every bit so a larger magnitude sorts lower.
  PutBigEndian(dst, (bits & kSignBit) ? ~bits : bits | kSignBit);
}

bool GetKeyDouble(std::string_view* in, double* v) {
  uint64_t u;
  if (!GetBigEndian(in, &u)) return false;
  const uint64_t bits = (u & kSignBit) ? u & ~kSignBit : ~u;
  std::memcpy(v, &bits, sizeof bits);
  return true;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char last = static_cast<unsigned char>(s.back());
    if (last != 0xFF) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

}  // namespace strongbox::store
