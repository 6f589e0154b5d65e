#include "changes/change_filter.h"

#include <optional>

namespace strongbox::changes {

namespace {

core::Status Bad(std::string_view why) {
  return core::Status::InvalidArgument(
      "Invalid filter (" + std::string(why) +
      "); use clauses joined by &&: kind == \"…\", dataStore == \"…\", id.startsWith(\"…\"), "
      "writer == \"<API key id>\", label == \"…\".");
}

void SkipSpaces(std::string_view* s) {
  while (!s->empty() && s->front() == ' ') s->remove_prefix(1);
}

bool Consume(std::string_view* s, std::string_view token) {
  SkipSpaces(s);
  if (s->substr(0, token.size()) != token) return false;
  s->remove_prefix(token.size());
  return true;
}

// A double-quoted string with \" and \\ escapes; nullopt when malformed.
std::optional<std::string> QuotedString(std::string_view* s) {
  SkipSpaces(s);
  if (s->empty() || s->front() != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i < s->size(); ++i) {
    const char c = (*s)[i];
    if (c == '"') {
      s->remove_prefix(i + 1);
      return out;
    }
    if (c == '\\') {
      if (i + 1 >= s->size() || ((*s)[i + 1] != '"' && (*s)[i + 1] != '\\')) return std::nullopt;
      ++i;
    }
    out.push_back((*s)[i]);
  }
  return std::nullopt;
}

std::string Quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

bool ChangeFilter::Matches(const store::ChangeRecord& record) const {
  if (!kind.empty() && record.kind != kind) return false;
  if (!container.empty() && record.container != container) return false;
  if (!id_prefix.empty() && record.id.compare(0, id_prefix.size(), id_prefix) != 0) return false;
  if (!writer.empty() && record.writer.api_key_id != writer) return false;
  if (!label.empty() && record.writer.label != label) return false;
  if (start && record.time < *start) return false;
  if (end && record.time > *end) return false;
  return true;
}

std::string ChangeFilter::ToString() const {
  std::string out;
  auto add = [&out](std::string clause) {
    if (!out.empty()) out += " && ";
    out += clause;
  };
  if (!kind.empty()) add("kind == " + Quote(kind));
  if (!container.empty()) add("dataStore == " + Quote(container));
  if (!id_prefix.empty()) add("id.startsWith(" + Quote(id_prefix) + ")");
  if (!writer.empty()) add("writer == " + Quote(writer));
  if (!label.empty()) add("label == " + Quote(label));
  return out;
}

core::Result<ChangeFilter> ParseChangeFilter(std::string_view text) {
  ChangeFilter filter;
  SkipSpaces(&text);
  if (text.empty()) return filter;
  bool seen[5] = {false, false, false, false, false};
  for (;;) {
    std::string* field = nullptr;
    size_t index = 0;
    std::optional<std::string> value;
    if (Consume(&text, "id.startsWith(")) {
      field = &filter.id_prefix;
      index = 2;
      value = QuotedString(&text);
      if (!value || !Consume(&text, ")")) return Bad("id.startsWith needs one quoted string");
    } else {
      static constexpr std::string_view kNames[] = {"kind", "dataStore", "", "writer", "label"};
      for (size_t i = 0; i < 5 && field == nullptr; ++i) {
        if (kNames[i].empty()) continue;
        std::string_view rest = text;
        if (!Consume(&rest, kNames[i])) continue;
        SkipSpaces(&rest);
        if (rest.substr(0, 2) != "==") continue;
        rest.remove_prefix(2);
        text = rest;
        index = i;
        field = i == 0   ? &filter.kind
                : i == 1 ? &filter.container
                : i == 3 ? &filter.writer
                         : &filter.label;
      }
      if (field == nullptr) return Bad("unknown clause");
      value = QuotedString(&text);
      if (!value) return Bad("a value must be a double-quoted string");
    }
    if (seen[index]) return Bad("a field appears twice");
    if (index == 0 && !store::IsChangeKind(*value)) return Bad("unknown kind");
    if (value->empty()) return Bad("a value is empty");
    seen[index] = true;
    *field = std::move(*value);
    SkipSpaces(&text);
    if (text.empty()) return filter;
    if (!Consume(&text, "&&")) return Bad("clauses are joined by &&");
  }
}

}  // namespace strongbox::changes
