#pragma once

// FUZZ_CHECK: how the libFuzzer targets of tests/fuzz state a property. Unlike assert() it is on
// in every build type; it names the failed condition on stderr and aborts, which libFuzzer
// reports as a crash and saves the input of.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)
