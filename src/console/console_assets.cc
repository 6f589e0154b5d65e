#include "console/console_assets.h"

#include "console_assets_data.h"

namespace strongbox::console {

namespace {

std::string_view ContentTypeOf(std::string_view name) {
  auto ends_with = [name](std::string_view suffix) { return name.ends_with(suffix); };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

}  // namespace

std::optional<Asset> FindAsset(std::string_view name) {
  if (name.empty()) name = "index.html";
  for (size_t i = 0; i < kEmbeddedAssetCount; ++i) {
    const EmbeddedAsset& asset = kEmbeddedAssets[i];
    if (name == asset.name) {
      return Asset{ContentTypeOf(name), std::string_view(asset.data, asset.size)};
    }
  }
  return std::nullopt;
}

}  // namespace strongbox::console
