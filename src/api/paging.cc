#include "api/paging.h"

#include "store/page_token.h"

namespace strongbox::api {

std::string TokenQuery(std::initializer_list<std::string_view> parts) {
  std::string q;
  for (auto p : parts) {
    q.append(p);
    q.push_back('\n');
  }
  return q;
}

core::Result<std::optional<std::string>> ResumeAfter(const http::Request& request,
                                                     std::string_view param,
                                                     const std::string& token_query) {
  auto token = request.Query(param);
  if (!token) return std::optional<std::string>();
  SB_ASSIGN_OR_RETURN(std::string after, store::DecodePageToken(*token, token_query));
  return std::optional<std::string>(std::move(after));
}

std::string NextToken(const std::optional<std::string>& next_after,
                      const std::string& token_query) {
  return next_after ? store::EncodePageToken(token_query, *next_after) : std::string();
}

}  // namespace strongbox::api
