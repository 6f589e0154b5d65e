#pragma once

// Message digests and secrets (OpenSSL libcrypto).

#include <array>
#include <string>
#include <string_view>

namespace strongbox::core {

// Base64 (standard alphabet, padded) of the MD5 of `bytes`: the content-md5 header's form.
std::string Md5Base64(std::string_view bytes);

// The raw 32-byte SHA-256 of `bytes`.
std::string Sha256(std::string_view bytes);
// The same into `out`, allocating nothing (for the per-request key check).
void Sha256(std::string_view bytes, std::array<unsigned char, 32>& out);

// The raw 32-byte HMAC-SHA256 (RFC 2104) of `data` under `key`: webhook signatures
// (proto-docs/changes.md "Webhooks").
std::string HmacSha256(std::string_view key, std::string_view data);

// `n` bytes from OpenSSL's CSPRNG. Throws std::runtime_error if the generator fails, which
// only happens when the system has no entropy source: nothing secret may be made then.
std::string SecureRandomBytes(size_t n);

// Lower-case hex.
std::string HexEncode(std::string_view bytes);

// Equality whose time depends only on the lengths, never on where the first difference is.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace strongbox::core
