#pragma once

// The console's files as compiled into the binary (embed_assets.cmake generates the definitions
// from assets/). Private to the console module: console_assets.h is its interface.

#include <cstddef>

namespace strongbox::console {

struct EmbeddedAsset {
  const char* name;  // file name, e.g. "console.js"
  const char* data;
  size_t size;  // bytes
};

extern const EmbeddedAsset kEmbeddedAssets[];
extern const size_t kEmbeddedAssetCount;

}  // namespace strongbox::console
