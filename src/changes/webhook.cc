#include "changes/webhook.h"

#include <algorithm>

#include "core/digest.h"
#include "core/strings.h"

namespace strongbox::changes {

using core::Result;
using core::Status;

namespace {

constexpr size_t kMaxUrlBytes = 2048;

Status BadUrl(std::string_view url, std::string_view why) {
  std::string shown(url.substr(0, 200));
  return Status::InvalidArgument("deliveryUrl '" + shown + "' " + std::string(why) + ".");
}

bool HostCharactersOk(std::string_view host) {
  if (host.empty()) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':';
  });
}

// "host", "host:port", "[v6]" or "[v6]:port" → host (no brackets) and the port text ("" when
// none). False when it is none of those.
bool SplitAuthority(std::string_view authority, std::string* host, std::string_view* port) {
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    *host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    *port = rest.empty() ? rest : rest.substr(1);
    if (rest.size() == 1) return false;  // "[v6]:" with no port
    // Brackets hold an IPv6 address only (RFC 3986 §3.2.2): "[127.0.0.1]" is not a host.
    return HostCharactersOk(*host) && host->find(':') != std::string::npos;
  }
  const size_t colon = authority.rfind(':');
  *host = std::string(authority.substr(0, colon));
  *port = colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
  if (colon != std::string_view::npos && port->empty()) return false;
  return HostCharactersOk(*host) && host->find(':') == std::string::npos;
}

bool ParsePort(std::string_view text, uint16_t* port) {
  if (text.empty() || text.size() > 5) return false;
  auto value = core::ParseInt64(text);
  if (!value || *value < 1 || *value > 65535) return false;
  *port = static_cast<uint16_t>(*value);
  return true;
}

}  // namespace

std::string WebhookUrl::Origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return BadUrl(url, "is longer than 2048 bytes");
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) return BadUrl(url, "holds a space, a control or a non-ASCII byte");
  }
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() ||
      !core::EqualsIgnoreCase(url.substr(0, kScheme.size()), kScheme)) {
    return BadUrl(url,
                  "is not an http:// URL (https is not supported yet: deliver to a "
                  "TLS-terminating proxy on an allowed host)");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find('#') != std::string_view::npos) return BadUrl(url, "has a fragment");
  const size_t slash = std::min(rest.find('/'), rest.find('?'));
  std::string_view authority = rest.substr(0, slash);
  std::string_view target =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl(url, "has user info (put credentials in the path or query instead)");
  }
  WebhookUrl out;
  std::string_view port_text;
  if (!SplitAuthority(authority, &out.host, &port_text)) return BadUrl(url, "has no valid host");
  out.host = core::ToLowerAscii(out.host);
  if (!port_text.empty() && !ParsePort(port_text, &out.port)) {
    return BadUrl(url, "has a port that is not 1-65535");
  }
  out.target = target.empty() ? "/" : std::string(target);
  if (out.target.front() == '?') out.target.insert(0, "/");
  return out;
}

Result<std::vector<std::string>> ParseAllowedHosts(std::string_view text) {
  std::vector<std::string> hosts;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (entry.empty()) continue;
    if (entry == "*") {
      hosts.emplace_back("*");
      continue;
    }
    std::string host;
    std::string_view port_text;
    uint16_t port = 0;
    if (!SplitAuthority(entry, &host, &port_text) ||
        (!port_text.empty() && !ParsePort(port_text, &port))) {
      return Status::InvalidArgument("config webhook_allowed_hosts: '" + std::string(entry) +
                                     "' is not host, host:port, [v6] or [v6]:port");
    }
    host = core::ToLowerAscii(host);
    hosts.push_back(port_text.empty() ? host : host + "|" + std::to_string(port));
  }
  return hosts;
}

Status CheckDeliveryUrl(std::string_view url, const std::vector<std::string>& allowed) {
  SB_ASSIGN_OR_RETURN(WebhookUrl parsed, ParseWebhookUrl(url));
  const std::string with_port = parsed.host + "|" + std::to_string(parsed.port);
  for (const std::string& entry : allowed) {
    if (entry == "*" || entry == parsed.host || entry == with_port) return Status::Ok();
  }
  if (allowed.empty()) {
    return BadUrl(url,
                  "cannot be used: this server allows no webhook host (its operator sets "
                  "webhook_allowed_hosts)");
  }
  return BadUrl(url, "names host '" + parsed.host + "' (port " + std::to_string(parsed.port) +
                         "), which is not in the server's webhook_allowed_hosts");
}

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_text;
  signed_text.reserve(t.size() + 1 + body.size());
  signed_text.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + core::HexEncode(core::HmacSha256(secret, signed_text));
}

std::string NewWebhookSecret() { return "whsec_" + core::HexEncode(core::SecureRandomBytes(32)); }

std::chrono::milliseconds RetryDelay(uint32_t failures, const RetryPolicy& policy,
                                     uint64_t random) {
  const int64_t initial = std::max<int64_t>(1, policy.initial.count());
  const int64_t max = std::max<int64_t>(initial, policy.max.count());
  int64_t delay = initial;
  for (uint32_t i = 1; i < failures && delay < max; ++i) delay *= 2;
  delay = std::min(delay, max);
  const int64_t half = delay / 2;
  return std::chrono::milliseconds(delay - half +
                                   static_cast<int64_t>(random % static_cast<uint64_t>(half + 1)));
}

}  // namespace strongbox::changes
