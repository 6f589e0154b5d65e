// Boost's assertion handler (BOOST_ENABLE_ASSERT_DEBUG_HANDLER, set for every target by the
// top-level CMakeLists.txt): in builds without NDEBUG, BOOST_ASSERT calls this instead of
// assert(). It aborts as assert() would, with one exception: an assertion of Boost 1.81's Beast
// that is wrong, and that input can reach.
//
// basic_parser::parse_chunk_header asserts `n >= 5` when it resumes a chunk header; a peer that
// sends "0\r\n" and one more byte after a chunked request's header reaches it with n == 4 (found
// by the http_request fuzz target). The code after the assertion handles that case (it asks for
// more input); Beast removed the assertion upstream (boostorg/beast pull request 2861, 2024).
// Release builds define NDEBUG and never call this.

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool KnownWrongBeastAssertion(const char* expr, const char* file) {
  return std::strcmp(expr, "n >= 5") == 0 &&
         std::strstr(file, "boost/beast/http/impl/basic_parser.ipp") != nullptr;
}

}  // namespace

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (KnownWrongBeastAssertion(expr, file)) return;
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
