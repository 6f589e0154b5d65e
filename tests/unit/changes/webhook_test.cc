// The pure parts of webhook delivery (changes/webhook.h): URLs and the allow-list, the
// signature, the retry delay, the secret.

#include "changes/webhook.h"

#include <catch2/catch.hpp>

#include "core/digest.h"

namespace strongbox::changes {
namespace {

TEST_CASE("webhook URLs parse into host port and target", "[unit]") {
  auto u = ParseWebhookUrl("http://Hooks.Example.com:8443/a/b?x=1");
  REQUIRE(u.ok());
  CHECK(u->host == "hooks.example.com");
  CHECK(u->port == 8443);
  CHECK(u->target == "/a/b?x=1");
  CHECK(u->Origin() == "http://hooks.example.com:8443");
  auto bare = ParseWebhookUrl("HTTP://127.0.0.1");
  REQUIRE(bare.ok());
  CHECK(bare->port == 80);
  CHECK(bare->target == "/");
  auto query = ParseWebhookUrl("http://127.0.0.1:9?x");
  REQUIRE(query.ok());
  CHECK(query->target == "/?x");
  auto v6 = ParseWebhookUrl("http://[::1]:7000/h");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->Origin() == "http://[::1]:7000");
  for (const char* bad :
       {"https://127.0.0.1/", "ftp://x/", "http://", "http:///x", "http://u:p@127.0.0.1/",
        "http://127.0.0.1:0/", "http://127.0.0.1:65536/", "http://127.0.0.1:/",
        "http://127.0.0.1/a b", "http://127.0.0.1/#f", "http://[::1/", "http://[127.0.0.1]:80/",
        "http://::1/", "http://a\x01/", "127.0.0.1:80"}) {
    INFO(bad);
    CHECK(ParseWebhookUrl(bad).status().code() == core::StatusCode::kInvalidArgument);
  }
  CHECK(!ParseWebhookUrl("http://a/" + std::string(2048, 'x')).ok());
}

TEST_CASE("the webhook allow-list admits only the hosts and ports it names", "[unit]") {
  auto hosts = ParseAllowedHosts(" 127.0.0.1:9000, Hooks.Example.com ,[::1]:7000,");
  REQUIRE(hosts.ok());
  CHECK(hosts->size() == 3);
  CHECK(CheckDeliveryUrl("http://127.0.0.1:9000/x", *hosts).ok());
  CHECK(!CheckDeliveryUrl("http://127.0.0.1:9001/x", *hosts).ok());
  CHECK(!CheckDeliveryUrl("http://127.0.0.1/x", *hosts).ok());
  CHECK(CheckDeliveryUrl("http://hooks.example.com/x", *hosts).ok());
  CHECK(CheckDeliveryUrl("http://HOOKS.example.com:81/x", *hosts).ok());
  CHECK(!CheckDeliveryUrl("http://evil.hooks.example.com/x", *hosts).ok());
  CHECK(!CheckDeliveryUrl("http://hooks.example.com.evil/x", *hosts).ok());
  CHECK(CheckDeliveryUrl("http://[::1]:7000/", *hosts).ok());
  CHECK(!CheckDeliveryUrl("http://[::1]:7001/", *hosts).ok());
  // None allowed by default; "*" allows any.
  auto none = ParseAllowedHosts("");
  REQUIRE(none.ok());
  CHECK(none->empty());
  auto refused = CheckDeliveryUrl("http://127.0.0.1/", *none);
  CHECK(refused.message().find("webhook_allowed_hosts") != std::string::npos);
  auto any = ParseAllowedHosts("*");
  REQUIRE(any.ok());
  CHECK(CheckDeliveryUrl("http://93.184.216.34:1/", *any).ok());
  CHECK(CheckDeliveryUrl("http://hooks.example.com/", *any).ok());  // judged when resolved
  CHECK(!CheckDeliveryUrl("https://93.184.216.34/", *any).ok());    // still a valid URL only
  // ... but no private or special-purpose address: "*" is every host on the internet, not the
  // operator's own network.
  for (const char* url : {"http://10.0.0.1:1/", "http://127.0.0.1:9000/", "http://169.254.169.254/",
                          "http://[::1]:7000/", "http://[fd00::1]/", "http://0.0.0.0/"}) {
    INFO(url);
    core::Status refused_any = CheckDeliveryUrl(url, *any);
    CHECK(!refused_any.ok());
    CHECK(refused_any.message().find("special-purpose") != std::string::npos);
  }
  // Named on the list, a private address is the operator's own choice.
  auto named = ParseAllowedHosts("*,10.0.0.1");
  REQUIRE(named.ok());
  CHECK(CheckDeliveryUrl("http://10.0.0.1:1/", *named).ok());
  CHECK(!CheckDeliveryUrl("http://10.0.0.2:1/", *named).ok());
  for (const char* bad : {"127.0.0.1:99999", "a b", "[::1", "host:", "http://x"}) {
    INFO(bad);
    CHECK(!ParseAllowedHosts(bad).ok());
  }
}

TEST_CASE("only addresses outside every special-purpose block are public", "[unit]") {
  for (const char* address :
       {"0.0.0.0", "0.1.2.3", "10.1.2.3", "100.64.0.1", "100.127.255.254", "127.0.0.1",
        "127.255.255.255", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8",
        "192.0.2.1", "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "::", "::1", "fe80::1",
        "febf::1", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1", "100::1", "::ffff:10.0.0.1",
        "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "4000::1", "not an address", "", "127.1",
        "2130706433", "[::1]",
        // 6to4 of 127.0.0.1 and 10.1.2.3; Teredo; benchmarking; the newer
        // documentation block; NAT64 local use.
        "2002:7f00:1::", "2002:a01:203::1", "2001:0:4136:e378::1", "2001:2::1", "3fff::1",
        "64:ff9b:1::a00:1"}) {
    INFO(address);
    CHECK_FALSE(IsPublicAddress(address));
  }
  for (const char* address :
       {"1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.15.255.255",
        "172.32.0.0", "192.169.0.1", "198.17.255.255", "198.20.0.0", "223.255.255.255",
        "2001:4860:4860::8888", "2a00:1450::1", "::ffff:8.8.8.8", "64:ff9b::808:808",
        "2002:808:808::1", "2001:200::1", "3fff:1000::1"}) {
    INFO(address);
    CHECK(IsPublicAddress(address));
  }
}

TEST_CASE("a name admitted by '*' may not resolve to a private address", "[unit]") {
  auto hosts = ParseAllowedHosts("*,intranet.example:9000");
  REQUIRE(hosts.ok());
  WebhookUrl hooks{"hooks.example.com", 80, "/"};
  CHECK(CheckResolvedAddress(hooks, "93.184.216.34", *hosts).ok());
  core::Status refused = CheckResolvedAddress(hooks, "169.254.169.254", *hosts);
  CHECK(!refused.ok());
  CHECK(refused.message().find("169.254.169.254") != std::string::npos);
  CHECK(!CheckResolvedAddress(hooks, "::1", *hosts).ok());
  // A host the list names is trusted as listed, on the port it names.
  CHECK(CheckResolvedAddress(WebhookUrl{"intranet.example", 9000, "/"}, "10.0.0.7", *hosts).ok());
  CHECK(!CheckResolvedAddress(WebhookUrl{"intranet.example", 9001, "/"}, "10.0.0.7", *hosts).ok());
}

TEST_CASE("webhook signatures are HMAC-SHA256 of the time and the body", "[unit]") {
  // RFC 4231 test case 2.
  CHECK(core::HexEncode(core::HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string body = R"({"changes":[]})";
  CHECK(WebhookSignature("whsec_k", 1700000000, body) ==
        "t=1700000000,v1=" + core::HexEncode(core::HmacSha256("whsec_k", "1700000000." + body)));
  CHECK(WebhookSignature("whsec_k", 1700000000, body) !=
        WebhookSignature("whsec_k", 1700000001, body));
  CHECK(WebhookSignature("whsec_k", 1700000000, body) !=
        WebhookSignature("whsec_j", 1700000000, body));
}

TEST_CASE("webhook secrets are fresh 32-byte hex strings", "[unit]") {
  const std::string a = NewWebhookSecret();
  const std::string b = NewWebhookSecret();
  CHECK(a.rfind("whsec_", 0) == 0);
  CHECK(a.size() == 70);
  CHECK(a != b);
}

TEST_CASE("webhook retries back off exponentially with jitter up to the maximum", "[unit]") {
  const RetryPolicy policy{std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  using std::chrono::milliseconds;
  for (uint64_t r : {uint64_t{0}, uint64_t{7}, uint64_t{12345}, ~uint64_t{0}}) {
    INFO(r);
    CHECK(RetryDelay(1, policy, r) >= milliseconds(50));
    CHECK(RetryDelay(1, policy, r) <= milliseconds(100));
    CHECK(RetryDelay(2, policy, r) >= milliseconds(100));
    CHECK(RetryDelay(2, policy, r) <= milliseconds(200));
    CHECK(RetryDelay(4, policy, r) >= milliseconds(400));
    CHECK(RetryDelay(4, policy, r) <= milliseconds(800));
    CHECK(RetryDelay(5, policy, r) >= milliseconds(500));  // capped at 1000, half of it fixed
    CHECK(RetryDelay(5, policy, r) <= milliseconds(1000));
    CHECK(RetryDelay(1'000'000, policy, r) <= milliseconds(1000));
  }
  // The jitter spreads attempts: different random draws, different waits.
  CHECK(RetryDelay(3, policy, 0) != RetryDelay(3, policy, 150));
}

}  // namespace
}  // namespace strongbox::changes
