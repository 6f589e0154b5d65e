// Fuzz target: the order-preserving key codec (store/key_codec).
//
// Two tuples of one schema (strings, uint64, int64, descending uint64, doubles) are drawn from
// the input. Each must decode back to itself with nothing left over, the two encodings must
// compare as bytes exactly as the tuples compare field by field, and a string prefix must bound
// its keys (PutKeyStringPrefix, PrefixSuccessor). The raw input also goes to every decoder, which
// must reject it or re-encode what it read to exactly the bytes it consumed.

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "store/key_codec.h"

namespace strongbox::store {
namespace {

enum class Field : uint8_t { kString, kUint64, kInt64, kUint64Desc, kDouble, kMaxValue = kDouble };

struct Value {
  std::string s;
  uint64_t u = 0;
  int64_t i = 0;
  double d = 0;
};

int Sign(int c) { return (c > 0) - (c < 0); }

template <class T>
int Order(T a, T b) {
  return (b < a) - (a < b);
}

int CompareField(Field f, const Value& a, const Value& b) {
  switch (f) {
    case Field::kString:
      return Sign(a.s.compare(b.s));  // char_traits<char> compares bytes as unsigned
    case Field::kUint64:
      return Order(a.u, b.u);
    case Field::kInt64:
      return Order(a.i, b.i);
    case Field::kUint64Desc:
      return Order(b.u, a.u);
    case Field::kDouble:
      return Order(a.d, b.d);
  }
  return 0;
}

void Put(std::string* dst, Field f, const Value& v) {
  switch (f) {
    case Field::kString:
      PutKeyString(dst, v.s);
      break;
    case Field::kUint64:
      PutKeyUint64(dst, v.u);
      break;
    case Field::kInt64:
      PutKeyInt64(dst, v.i);
      break;
    case Field::kUint64Desc:
      PutKeyUint64Desc(dst, v.u);
      break;
    case Field::kDouble:
      PutKeyDouble(dst, v.d);
      break;
  }
}

bool Get(std::string_view* in, Field f, Value* v) {
  switch (f) {
    case Field::kString:
      return GetKeyString(in, &v->s);
    case Field::kUint64:
      return GetKeyUint64(in, &v->u);
    case Field::kInt64:
      return GetKeyInt64(in, &v->i);
    case Field::kUint64Desc:
      return GetKeyUint64Desc(in, &v->u);
    case Field::kDouble:
      return GetKeyDouble(in, &v->d);
  }
  return false;
}

Value Draw(FuzzedDataProvider& fdp, Field f) {
  Value v;
  switch (f) {
    case Field::kString:
      v.s = fdp.ConsumeRandomLengthString(24);
      break;
    case Field::kUint64:
    case Field::kUint64Desc:
      v.u = fdp.ConsumeIntegral<uint64_t>();
      break;
    case Field::kInt64:
      v.i = fdp.ConsumeIntegral<int64_t>();
      break;
    case Field::kDouble: {
      // Any bit pattern, so subnormals, infinities and -0.0 come up; NaN is outside the contract.
      const uint64_t bits = fdp.ConsumeIntegral<uint64_t>();
      std::memcpy(&v.d, &bits, sizeof bits);
      if (std::isnan(v.d)) v.d = 0;
      break;
    }
  }
  return v;
}

void CheckRawDecoders(std::string_view data) {
  std::string_view in = data;
  std::string s;
  if (GetKeyString(&in, &s)) {
    std::string again;
    PutKeyString(&again, s);
    FUZZ_CHECK(again == data.substr(0, data.size() - in.size()));
  }
  if (data.size() >= 8) {
    const std::string_view eight = data.substr(0, 8);
    for (Field f : {Field::kUint64, Field::kInt64, Field::kUint64Desc, Field::kDouble}) {
      in = data;
      Value v;
      FUZZ_CHECK(Get(&in, f, &v));
      FUZZ_CHECK(in.size() + 8 == data.size());
      // -0.0 and NaN have no encoding of their own: every other value re-encodes exactly.
      if (f == Field::kDouble && (std::isnan(v.d) || v.d == 0)) continue;
      std::string again;
      Put(&again, f, v);
      FUZZ_CHECK(again == eight);
    }
  }
}

}  // namespace
}  // namespace strongbox::store

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox::store;
  CheckRawDecoders(std::string_view(reinterpret_cast<const char*>(data), size));

  FuzzedDataProvider fdp(data, size);
  std::vector<Field> schema(fdp.ConsumeIntegralInRange<size_t>(1, 4));
  for (Field& f : schema) f = fdp.ConsumeEnum<Field>();
  std::vector<Value> a, b;
  for (Field f : schema) {
    a.push_back(Draw(fdp, f));
    // Often equal fields, so that later fields decide the order too.
    b.push_back(fdp.ConsumeBool() ? a.back() : Draw(fdp, f));
  }

  std::string key_a, key_b;
  int expected = 0;
  for (size_t k = 0; k < schema.size(); ++k) {
    Put(&key_a, schema[k], a[k]);
    Put(&key_b, schema[k], b[k]);
    if (expected == 0) expected = CompareField(schema[k], a[k], b[k]);
  }
  FUZZ_CHECK(Sign(key_a.compare(key_b)) == expected);

  // decode(encode(x)) == x, consuming exactly the key.
  std::string_view in = key_a;
  for (size_t k = 0; k < schema.size(); ++k) {
    Value v;
    FUZZ_CHECK(Get(&in, schema[k], &v));
    FUZZ_CHECK(CompareField(schema[k], v, a[k]) == 0);
  }
  FUZZ_CHECK(in.empty());

  // A prefix of the first string field is a byte prefix of the key, and PrefixSuccessor of that
  // is above the key: the bounds of a prefix scan.
  if (schema[0] == Field::kString) {
    const std::string& s = a[0].s;
    std::string prefix;
    PutKeyStringPrefix(
        &prefix, std::string_view(s).substr(0, fdp.ConsumeIntegralInRange<size_t>(0, s.size())));
    FUZZ_CHECK(std::string_view(key_a).substr(0, prefix.size()) == prefix);
    const std::string successor = PrefixSuccessor(prefix);
    FUZZ_CHECK(successor.empty() || key_a < successor);
    FUZZ_CHECK(successor.empty() || prefix < successor);
  }
  return 0;
}
