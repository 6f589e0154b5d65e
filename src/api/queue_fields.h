#pragma once

// JSON shapes of the memory-store queue calls (api.md §5) shared by the queue routes and the
// commit route (api.md §8): an add's body, the queue's path, and the item resource.

#include <chrono>
#include <string>
#include <string_view>

#include "core/json_util.h"
#include "core/status.h"
#include "memstore/queue_service.h"

namespace strongbox::api {

// What an add asks for: the data (compact JSON), its priority and time to live.
struct QueueAdd {
  std::string data;
  double priority = 0;
  std::chrono::nanoseconds ttl{};
};

// `data` (required, any JSON), `priority` (number, default 0), `ttl` (required, "3600s"); field
// names matched case-insensitively. Each error is a 400 naming the field.
core::Result<QueueAdd> DecodeQueueAdd(const core::Json& body);

// "cloud/v2/universes/{u}/memory-store/queues/{queue}", the queue segment percent-encoded.
std::string QueuePath(const memstore::QueueName& name);

// Appends {"path","id","data","priority","expireTime"}, the stored data spliced in, then
// `extra`: more members, each preceded by a comma (a peek's).
void AppendQueueItem(std::string* out, const memstore::QueueName& name,
                     const memstore::QueueItem& item, std::string_view extra = {});

}  // namespace strongbox::api
