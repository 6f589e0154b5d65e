#pragma once

// The pure parts of webhook delivery (api.md §11, proto-docs/changes.md "Webhooks"): the
// delivery URL and the operator's host allow-list, the signature, the retry delay and the
// secret. No I/O here; WebhookDeliverer (webhook_deliverer.h) does the sending.
//
// Shapes: a delivery URL is `http://host[:port][/path][?query]`, at most 2048 bytes, no user
// info and no fragment; host a name, an IPv4 address or a bracketed IPv6 address. The
// allow-list (config `webhook_allowed_hosts`) is a comma-separated list of `host` (any port) or
// `host:port` entries, compared case-insensitively; `*` allows every host on a public address.
// An empty list allows none: a server accepts no delivery URL until its operator names the
// hosts it may call, so a key holder cannot make it POST into the operator's own network
// (SSRF). For the same reason `*` does not reach private, loopback, link-local and other
// special-purpose addresses (IANA's special-purpose registries, RFC 6890): neither written in
// the URL (refused at create) nor as what a name resolves to (refused before connecting, so a
// name whose DNS answers 169.254.169.254 cannot reach a cloud metadata service). A host the
// list names itself is trusted as listed, whatever it resolves to.
// Errors: kInvalidArgument naming what is wrong (400).
// Thread safety: pure functions.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace strongbox::changes {

struct WebhookUrl {
  std::string host;    // as written, without brackets; lower-cased
  uint16_t port = 80;  // 80 when the URL names none
  std::string target;  // path and query, "/" at least
  // `http://host:port`, the form the HTTP client's connection pool is keyed by.
  std::string Origin() const;
};

core::Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

// The allow-list from its config text; kInvalidArgument for a malformed entry.
core::Result<std::vector<std::string>> ParseAllowedHosts(std::string_view text);

// OK when `url` parses and its host (and port) is on `allowed`: named there, or admitted by
// `*` (then not an address that IsPublicAddress refuses).
core::Status CheckDeliveryUrl(std::string_view url, const std::vector<std::string>& allowed);

// True for an IPv4 or IPv6 address (text, IPv6 without brackets) outside every special-purpose
// block: not private (10/8, 172.16/12, 192.168/16, fc00::/7), loopback, link-local
// (169.254/16, fe80::/10), shared (100.64/10), unspecified, multicast, broadcast, reserved,
// benchmarking or documentation, nor IPv6's IETF protocol assignments (2001::/23, Teredo among
// them) or local-use translation (64:ff9b:1::/48). IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4
// (2002::/16) IPv6 addresses are judged by the IPv4 address inside (IANA's special-purpose
// registries). False for text that is not an address.
bool IsPublicAddress(std::string_view address);

// Whether the host of `url`, resolved to `address`, may be called: OK when the host is named on
// `allowed` itself, or when `address` is public; kInvalidArgument saying which otherwise.
core::Status CheckResolvedAddress(const WebhookUrl& url, std::string_view address,
                                  const std::vector<std::string>& allowed);

// `t=<unix seconds>,v1=<lower-case hex HMAC-SHA256 of "<t>.<body>" under secret>`: the
// Strongbox-Signature header (the scheme Stripe popularised: the time inside the signature lets
// a receiver refuse replays older than it tolerates).
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

// A fresh secret to sign with: "whsec_" and 64 hex digits (32 bytes from the CSPRNG).
std::string NewWebhookSecret();

struct RetryPolicy {
  std::chrono::milliseconds initial{500};  // webhook_retry_initial_ms
  std::chrono::milliseconds max{300'000};  // webhook_retry_max_ms
};

// The wait before attempt `failures + 1` after `failures` (≥ 1) failed ones: exponential
// (initial·2^(failures-1), at most max) with "equal jitter" — half of it fixed, half uniform by
// `random` — so many subscriptions failing together do not retry in step.
std::chrono::milliseconds RetryDelay(uint32_t failures, const RetryPolicy& policy, uint64_t random);

}  // namespace strongbox::changes
