#pragma once

// Message digests (OpenSSL libcrypto).

#include <string>
#include <string_view>

namespace strongbox::core {

// Base64 (standard alphabet, padded) of the MD5 of `bytes`: the content-md5 header's form.
std::string Md5Base64(std::string_view bytes);

}  // namespace strongbox::core
