// Fuzz target: page tokens (store/page_token) and the URL-safe base64 under them (core/strings).
//
// Input: a token query as api::TokenQuery builds it (parts each ending in '\n'), then a token:
// everything after the last '\n' is the token. Checks:
//   - a token made for the query decodes, for that query, to the resume key it was made with
//     (the token text and the whole input serve as resume keys);
//   - the token text itself: it decodes or is kInvalidArgument; a token that decodes re-encodes
//     to exactly the same text (there is one token per query and key);
//   - base64url decoding is canonical: whatever decodes re-encodes to the same text.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "fuzz/fuzz_check.h"
#include "store/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strongbox;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.rfind('\n');
  const std::string_view query =
      newline == std::string_view::npos ? std::string_view() : input.substr(0, newline + 1);
  const std::string_view token = input.substr(query.size());

  for (std::string_view resume : {token, input}) {
    const std::string made = store::EncodePageToken(query, resume);
    auto back = store::DecodePageToken(made, query);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(*back == resume);
    for (char c : made) {
      FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_');
    }
  }

  auto decoded = store::DecodePageToken(token, query);
  if (decoded.ok()) {
    FUZZ_CHECK(store::EncodePageToken(query, *decoded) == token);
  } else {
    FUZZ_CHECK(decoded.status().code() == core::StatusCode::kInvalidArgument);
  }

  if (auto raw = core::Base64UrlDecode(token)) {
    FUZZ_CHECK(core::Base64UrlEncode(*raw) == token);
  }
  return 0;
}
