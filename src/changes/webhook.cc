#include "changes/webhook.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <iterator>

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

namespace {

// Whether `allowed` names the URL's host itself (with any port, or with the URL's).
bool Named(const WebhookUrl& url, const std::vector<std::string>& allowed) {
  const std::string with_port = url.host + "|" + std::to_string(url.port);
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& entry) {
    return entry == url.host || entry == with_port;
  });
}

bool AnyHost(const std::vector<std::string>& allowed) {
  return std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
}

bool InV4(uint32_t address, uint32_t block, int bits) {
  const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (address & mask) == block;
}

bool IsPublicV4(const boost::asio::ip::address_v4& v4) {
  const uint32_t a = v4.to_uint();
  // IANA IPv4 Special-Purpose Address Registry (RFC 6890 and its updates), plus multicast.
  static constexpr std::pair<uint32_t, int> kSpecial[] = {
      {0x00000000, 8},   // "this network"
      {0x0A000000, 8},   // private
      {0x64400000, 10},  // shared address space (carrier-grade NAT)
      {0x7F000000, 8},   // loopback
      {0xA9FE0000, 16},  // link-local (cloud metadata services live here)
      {0xAC100000, 12},  // private
      {0xC0000000, 24},  // IETF protocol assignments
      {0xC0000200, 24},  // documentation (TEST-NET-1)
      {0xC0A80000, 16},  // private
      {0xC6120000, 15},  // benchmarking
      {0xC6336400, 24},  // documentation (TEST-NET-2)
      {0xCB007100, 24},  // documentation (TEST-NET-3)
      {0xE0000000, 4},   // multicast
      {0xF0000000, 4},   // reserved, and the broadcast address
  };
  return std::none_of(std::begin(kSpecial), std::end(kSpecial),
                      [a](const auto& block) { return InV4(a, block.first, block.second); });
}

}  // namespace

bool IsPublicAddress(std::string_view text) {
  boost::system::error_code error;
  const boost::asio::ip::address address = boost::asio::ip::make_address(std::string(text), error);
  if (error) return false;
  if (address.is_v4()) return IsPublicV4(address.to_v4());
  const boost::asio::ip::address_v6 v6 = address.to_v6();
  const auto bytes = v6.to_bytes();
  if (v6.is_v4_mapped()) {
    return IsPublicV4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
  }
  // NAT64's well-known prefix carries an IPv4 address in its last 32 bits.
  static constexpr uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  if (std::equal(std::begin(kNat64), std::end(kNat64), bytes.begin())) {
    return IsPublicV4(boost::asio::ip::address_v4(
        boost::asio::ip::address_v4::bytes_type{bytes[12], bytes[13], bytes[14], bytes[15]}));
  }
  // 6to4 (2002::/16, RFC 3056) routes to the IPv4 address in bits 16–47 through a relay.
  if (bytes[0] == 0x20 && bytes[1] == 0x02) {
    return IsPublicV4(boost::asio::ip::address_v4(
        boost::asio::ip::address_v4::bytes_type{bytes[2], bytes[3], bytes[4], bytes[5]}));
  }
  if (v6.is_unspecified() || v6.is_loopback() || v6.is_multicast()) return false;
  if ((bytes[0] & 0xfe) == 0xfc) return false;                      // unique local, fc00::/7
  if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) return false;  // link-local, fe80::/10
  // IETF protocol assignments, 2001::/23: Teredo (2001::/32, whose IPv4 side is hidden),
  // benchmarking (2001:2::/48), ORCHID and the anycast services; no webhook receiver lives there.
  if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] < 0x02) return false;
  if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8) {
    return false;  // documentation, 2001:db8::/32
  }
  if (bytes[0] == 0x3f && bytes[1] == 0xff && (bytes[2] & 0xf0) == 0) {
    return false;  // documentation, 3fff::/20 (RFC 9637)
  }
  if (bytes[0] == 0x01 && bytes[1] == 0x00 &&
      std::all_of(bytes.begin() + 2, bytes.begin() + 8, [](uint8_t b) { return b == 0; })) {
    return false;  // discard-only, 100::/64
  }
  // Anything else outside 2000::/3 (global unicast) is not in use (64:ff9b:1::/48, RFC 8215
  // local-use translation, among them).
  return (bytes[0] & 0xe0) == 0x20;
}

Status CheckResolvedAddress(const WebhookUrl& url, std::string_view address,
                            const std::vector<std::string>& allowed) {
  if (Named(url, allowed) || IsPublicAddress(address)) return Status::Ok();
  return Status::InvalidArgument(
      "host '" + url.host + "' resolves to " + std::string(address) +
      ", a private or special-purpose address, which '*' in webhook_allowed_hosts does not "
      "admit (name the host there to allow it)");
}

Status CheckDeliveryUrl(std::string_view url, const std::vector<std::string>& allowed) {
  SB_ASSIGN_OR_RETURN(WebhookUrl parsed, ParseWebhookUrl(url));
  if (Named(parsed, allowed)) return Status::Ok();
  if (AnyHost(allowed)) {
    // A name is judged by what it resolves to, when sending; an address written here, now.
    boost::system::error_code not_an_address;
    (void)boost::asio::ip::make_address(parsed.host, not_an_address);
    if (not_an_address || IsPublicAddress(parsed.host)) return Status::Ok();
    return BadUrl(url, "names " + parsed.host +
                           ", a private or special-purpose address, which '*' in the server's "
                           "webhook_allowed_hosts does not admit (its operator may name it there)");
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
