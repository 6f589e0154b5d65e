#pragma once

// Building blocks for stored values (records). Every record starts with a format-version byte
// written by its owner, so a later version can read older records. Varints are LEB128 (as in
// LevelDB); strings are varint-length-prefixed.

#include <cstdint>
#include <string>
#include <string_view>

namespace strongbox::store {

void PutVarint64(std::string* dst, uint64_t v);
bool GetVarint64(std::string_view* in, uint64_t* v);

// Zig-zag signed varint.
void PutVarsint64(std::string* dst, int64_t v);
bool GetVarsint64(std::string_view* in, int64_t* v);

void PutLengthPrefixed(std::string* dst, std::string_view s);
bool GetLengthPrefixed(std::string_view* in, std::string_view* out);

bool GetByte(std::string_view* in, uint8_t* out);

}  // namespace strongbox::store
