// Invariant checks that stay on in release builds (STYLE.md habit 4): a broken invariant is a bug
// in parley, never an operating error, so it stops the process with a message naming the check.
#pragma once

#include <cstdio>
#include <cstdlib>

#define PARLEY_ASSERT(cond)                                                               \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "parley: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
