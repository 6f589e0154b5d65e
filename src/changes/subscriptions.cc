#include "changes/subscriptions.h"

#include "changes/webhook.h"
#include "core/json_util.h"
#include "store/change_log.h"
#include "store/key_codec.h"

namespace strongbox::changes {

namespace asio = boost::asio;
using core::Json;
using core::Result;
using core::Status;
using store::ColumnFamily;

namespace {

constexpr char kSubscriptionTag = 0x02;
constexpr char kFormat = 0x01;

std::string SubscriptionsPrefix(int64_t universe) {
  std::string k = store::ChangeUniversePrefix(universe);
  k.push_back(kSubscriptionTag);
  return k;
}

Status NotFound(const std::string& id) {
  return Status::NotFound("Subscription \"" + id + "\" does not exist.");
}

// The universe's log bounds as the sequencer sees them.
Result<FeedBounds> BoundsIn(const store::WriteView& view, int64_t universe) {
  FeedBounds bounds;
  SB_ASSIGN_OR_RETURN(auto floor,
                      view.Get(ColumnFamily::kChanges, store::ChangeFloorKey(universe)));
  SB_ASSIGN_OR_RETURN(bounds.floor, store::DecodeChangeCounter(floor, 1));
  SB_ASSIGN_OR_RETURN(auto head, view.Get(ColumnFamily::kChanges, store::ChangeHeadKey(universe)));
  SB_ASSIGN_OR_RETURN(bounds.head, store::DecodeChangeCounter(head, 0));
  return bounds;
}

Status PastEnd(uint64_t sequence, uint64_t head) {
  return Status::InvalidArgument("sequence " + std::to_string(sequence) +
                                 " is past the last change (" + std::to_string(head) + ").");
}

Result<std::optional<Subscription>> Load(const store::WriteView& view, int64_t universe,
                                         const std::string& id) {
  SB_ASSIGN_OR_RETURN(auto bytes, view.Get(ColumnFamily::kChanges, SubscriptionKey(universe, id)));
  if (!bytes) return std::optional<Subscription>();
  SB_ASSIGN_OR_RETURN(Subscription s, DecodeSubscription(id, *bytes));
  return std::optional<Subscription>(std::move(s));
}

}  // namespace

Status ValidateSubscriptionId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 128;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-' || c == '@');
  }
  if (!ok) {
    return Status::InvalidArgument(
        "A subscription id is 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-' and '@'.");
  }
  return Status::Ok();
}

std::string SubscriptionKey(int64_t universe, std::string_view id) {
  std::string k = SubscriptionsPrefix(universe);
  store::PutKeyString(&k, id);
  return k;
}

std::string EncodeSubscription(const Subscription& s) {
  Json j = {{"f", s.filter.ToString()},
            {"c", s.cursor},
            {"t", core::ToUnixNanos(s.create_time)},
            {"a", core::ToUnixNanos(s.ack_time)}};
  if (!s.delivery_url.empty()) {
    j["u"] = s.delivery_url;
    j["k"] = s.secret;
  }
  return std::string(1, kFormat) + core::DumpCompact(j);
}

Result<Subscription> DecodeSubscription(std::string_view id, std::string_view bytes) {
  const Status corrupt = Status::Internal("corrupt subscription row");
  if (bytes.empty() || bytes[0] != kFormat) return corrupt;
  auto parsed = core::ParseJson(bytes.substr(1));
  if (!parsed.ok() || !parsed->is_object()) return corrupt;
  Subscription s;
  s.id = std::string(id);
  try {
    auto filter = ParseChangeFilter(parsed->at("f").get<std::string>());
    if (!filter.ok()) return corrupt;
    s.filter = std::move(*filter);
    s.cursor = parsed->at("c").get<uint64_t>();
    s.create_time = core::FromUnixNanos(parsed->at("t").get<int64_t>());
    s.ack_time = core::FromUnixNanos(parsed->at("a").get<int64_t>());
    if (const Json* url = core::FindMember(*parsed, "u"); url != nullptr) {
      s.delivery_url = url->get<std::string>();
      s.secret = parsed->at("k").get<std::string>();
    }
  } catch (const std::exception&) {
    return corrupt;
  }
  return s;
}

asio::awaitable<Result<Subscription>> Subscriptions::Create(
    int64_t universe, std::string id, ChangeFilter filter, std::optional<uint64_t> start_after,
    std::string delivery_url, store::WriteContext<Subscription> context) {
  SB_CO_RETURN_IF_ERROR(ValidateSubscriptionId(id));
  std::string secret;
  if (!delivery_url.empty()) {
    SB_CO_RETURN_IF_ERROR(CheckDeliveryUrl(delivery_url, limits_.webhook_allowed_hosts));
    secret = NewWebhookSecret();
  }
  std::function<Result<Subscription>(store::WriteView&)> mutation =
      [this, universe, id, filter = std::move(filter), start_after,
       delivery_url = std::move(delivery_url),
       secret = std::move(secret)](store::WriteView& view) -> Result<Subscription> {
    SB_ASSIGN_OR_RETURN(auto existing, Load(view, universe, id));
    if (existing) return Status::AlreadyExists("Subscription \"" + id + "\" already exists.");
    {
      // Count up to the limit (a bounded scan: the limit is small).
      const std::string prefix = SubscriptionsPrefix(universe);
      auto it = view.NewIterator(ColumnFamily::kChanges, prefix, store::PrefixSuccessor(prefix));
      size_t count = 0;
      for (it->Seek(prefix); it->Valid() && count < limits_.max_per_universe; it->Next()) ++count;
      SB_RETURN_IF_ERROR(it->status());
      if (count >= limits_.max_per_universe) {
        return Status::ResourceExhausted("This universe has " + std::to_string(count) +
                                         " subscriptions, the most it may have "
                                         "(changes_max_subscriptions).")
            .WithReason("LIMIT_EXCEEDED")
            .WithMetadata("limit", "changes_max_subscriptions");
      }
    }
    SB_ASSIGN_OR_RETURN(FeedBounds bounds, BoundsIn(view, universe));
    Subscription s;
    s.id = id;
    s.filter = filter;
    s.cursor = start_after.value_or(bounds.head);
    if (s.cursor > bounds.head) return PastEnd(s.cursor, bounds.head);
    if (s.cursor + 1 < bounds.floor) return ChangesExpired(s.cursor, bounds.floor);
    s.create_time = clock_->Now();
    s.ack_time = s.create_time;
    s.delivery_url = delivery_url;
    s.secret = secret;
    view.Put(ColumnFamily::kChanges, SubscriptionKey(universe, id), EncodeSubscription(s));
    return s;
  };
  co_return co_await pipeline_->Commit<Subscription>(std::move(mutation), std::move(context));
}

Result<Subscription> Subscriptions::Get(int64_t universe, const std::string& id) const {
  SB_RETURN_IF_ERROR(ValidateSubscriptionId(id));
  SB_ASSIGN_OR_RETURN(auto bytes,
                      engine_->Get(ColumnFamily::kChanges, SubscriptionKey(universe, id)));
  if (!bytes) return NotFound(id);
  return DecodeSubscription(id, *bytes);
}

Result<SubscriptionPage> Subscriptions::List(int64_t universe,
                                             const std::optional<std::string>& after,
                                             size_t max) const {
  const std::string prefix = SubscriptionsPrefix(universe);
  auto it = engine_->NewIterator(ColumnFamily::kChanges, prefix, store::PrefixSuccessor(prefix));
  if (after) {
    // Just past the previous page's last id.
    it->Seek(SubscriptionKey(universe, *after) + std::string(1, '\0'));
  } else {
    it->Seek(prefix);
  }
  SubscriptionPage page;
  for (; it->Valid() && page.subscriptions.size() < max; it->Next()) {
    std::string_view key = it->key().substr(prefix.size());
    std::string id;
    if (!store::GetKeyString(&key, &id)) return Status::Internal("corrupt subscription key");
    SB_ASSIGN_OR_RETURN(Subscription s, DecodeSubscription(id, it->value()));
    page.subscriptions.push_back(std::move(s));
  }
  SB_RETURN_IF_ERROR(it->status());
  if (it->Valid()) page.next_after = page.subscriptions.back().id;
  return page;
}

Result<std::vector<Delivery>> Subscriptions::ListDeliveries(size_t max) const {
  std::vector<Delivery> out;
  std::string from;
  for (;;) {
    SB_ASSIGN_OR_RETURN(auto next, store::NextChangeUniverse(*engine_, from));
    if (!next) return out;
    std::optional<std::string> after;
    do {
      SB_ASSIGN_OR_RETURN(SubscriptionPage page,
                          List(next->universe, after, limits_.max_per_universe));
      for (Subscription& s : page.subscriptions) {
        if (s.delivery_url.empty()) continue;
        if (out.size() >= max) return out;
        out.push_back(Delivery{next->universe, std::move(s)});
      }
      after = page.next_after;
    } while (after);
    from = next->next_from;
    if (from.empty()) return out;
  }
}

asio::awaitable<Result<Subscription>> Subscriptions::Delete(
    int64_t universe, std::string id, store::WriteContext<Subscription> context) {
  SB_CO_RETURN_IF_ERROR(ValidateSubscriptionId(id));
  std::function<Result<Subscription>(store::WriteView&)> mutation =
      [universe, id](store::WriteView& view) -> Result<Subscription> {
    SB_ASSIGN_OR_RETURN(auto existing, Load(view, universe, id));
    if (!existing) return NotFound(id);
    view.Delete(ColumnFamily::kChanges, SubscriptionKey(universe, id));
    return std::move(*existing);
  };
  co_return co_await pipeline_->Commit<Subscription>(std::move(mutation), std::move(context));
}

asio::awaitable<Result<Subscription>> Subscriptions::Ack(int64_t universe, std::string id,
                                                         std::optional<uint64_t> sequence,
                                                         store::WriteContext<Subscription> context,
                                                         std::optional<std::string> secret) {
  SB_CO_RETURN_IF_ERROR(ValidateSubscriptionId(id));
  std::function<Result<Subscription>(store::WriteView&)> mutation =
      [this, universe, id, sequence,
       secret = std::move(secret)](store::WriteView& view) -> Result<Subscription> {
    SB_ASSIGN_OR_RETURN(auto existing, Load(view, universe, id));
    if (!existing || (secret && existing->secret != *secret)) return NotFound(id);
    SB_ASSIGN_OR_RETURN(FeedBounds bounds, BoundsIn(view, universe));
    const uint64_t to = sequence.value_or(bounds.head);
    if (to > bounds.head) return PastEnd(to, bounds.head);
    if (to <= existing->cursor) return std::move(*existing);  // a repeat or a late ack
    existing->cursor = to;
    existing->ack_time = clock_->Now();
    view.Put(ColumnFamily::kChanges, SubscriptionKey(universe, id), EncodeSubscription(*existing));
    return std::move(*existing);
  };
  co_return co_await pipeline_->Commit<Subscription>(std::move(mutation), std::move(context));
}

asio::awaitable<Result<FeedPage>> Subscriptions::Read(int64_t universe, std::string id,
                                                      size_t max_page,
                                                      std::chrono::nanoseconds wait) {
  SB_CO_ASSIGN_OR_RETURN(Subscription s, Get(universe, id));
  co_return co_await feed_->Read(universe, s.cursor, std::move(s.filter), max_page, wait);
}

}  // namespace strongbox::changes
