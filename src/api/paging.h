#pragma once

// Page tokens at the API edge: what a token is bound to, reading one from a request and making
// the next. The token format itself is store/page_token.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/message.h"

namespace strongbox::api {

// The canonical description a token is bound to: every parameter of the listing except the
// page size and the token.
std::string TokenQuery(std::initializer_list<std::string_view> parts);

// The resume key carried by query parameter `param` (pageToken, cursor); nullopt when absent.
core::Result<std::optional<std::string>> ResumeAfter(const http::Request& request,
                                                     std::string_view param,
                                                     const std::string& token_query);

// The next page's token, or "" on the last page.
std::string NextToken(const std::optional<std::string>& next_after, const std::string& token_query);

}  // namespace strongbox::api
