#include "store/page_token.h"

#include "core/strings.h"
#include "store/key_codec.h"

namespace strongbox::store {
namespace {
constexpr char kPageTokenFormat = '\x01';
}  // namespace

std::string EncodePageToken(std::string_view query, std::string_view resume_after) {
  std::string raw(1, kPageTokenFormat);
  PutKeyUint64(&raw, core::StableHash64(query));
  raw.append(resume_after);
  return core::Base64UrlEncode(raw);
}

core::Result<std::string> DecodePageToken(std::string_view token, std::string_view query) {
  auto raw = core::Base64UrlDecode(token);
  std::string_view in = raw ? std::string_view(*raw) : std::string_view();
  uint64_t hash = 0;
  if (in.empty() || in[0] != kPageTokenFormat) {
    return core::Status::InvalidArgument("Invalid page token.");
  }
  in.remove_prefix(1);
  if (!GetKeyUint64(&in, &hash)) return core::Status::InvalidArgument("Invalid page token.");
  if (hash != core::StableHash64(query)) {
    return core::Status::InvalidArgument(
        "The page token belongs to a different query (filter, order or resource changed).");
  }
  return std::string(in);
}

core::Status SeekPageStart(Iterator& it, const std::optional<std::string>& resume_after,
                           std::string_view lower) {
  if (!resume_after) {
    it.SeekToFirst();
    return core::Status::Ok();
  }
  if (*resume_after < lower) return core::Status::InvalidArgument("Invalid page token.");
  it.Seek(*resume_after);
  if (it.Valid() && it.key() == *resume_after) it.Next();
  return core::Status::Ok();
}

}  // namespace strongbox::store
