#include "core/names.h"

#include <string>

#include "core/strings.h"

namespace strongbox::core {

Status ValidateName(std::string_view name, std::string_view what, size_t max_bytes) {
  if (name.empty() || name.size() > max_bytes) {
    return Status::InvalidArgument(std::string(what) + " must be 1 to " +
                                   std::to_string(max_bytes) + " bytes long.");
  }
  if (!IsValidUtf8(name))
    return Status::InvalidArgument(std::string(what) + " must be valid UTF-8.");
  return Status::Ok();
}

Result<int64_t> ParseUniverseId(std::string_view text) {
  auto v = ParseInt64(text);
  if (!v || *v <= 0) {
    return Status::InvalidArgument("Universe id must be a positive 64-bit integer.");
  }
  return *v;
}

}  // namespace strongbox::core
