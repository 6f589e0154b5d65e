#pragma once

// The "client gone" signal of a request being served, as long polls use it (queue reads, lock
// acquires): the HTTP session sets http::Request::watch_client, a domain service asks it before
// its first sleep and gives up once the flag turns true, so nothing is taken for a caller that
// has closed its connection. Defined here, not in http/, so the services need no HTTP type.
// Thread safety: the flag is atomic; call the WatchClient only on the request's own thread.

#include <atomic>
#include <functional>
#include <memory>

#include "core/status.h"

namespace strongbox::core {

// True once the client has closed its connection (null: never asked, or cannot tell).
using ClientGoneFlag = std::shared_ptr<const std::atomic<bool>>;
// Starts watching the request's connection and answers its flag. `on_gone` (may be null) runs
// once, on the request's thread, when the flag turns true while the request is still served,
// or at once when it already is, so a sleeping long poll can be woken by the close itself
// rather than at its next wake-up. Null WatchClient: the caller cannot tell.
using WatchClient = std::function<ClientGoneFlag(std::function<void()> on_gone)>;

// What a long poll whose client went away answers (kUnavailable; nobody reads it).
inline Status ClientGone() {
  return Status::Unavailable("The client closed its connection during the wait.");
}

}  // namespace strongbox::core
