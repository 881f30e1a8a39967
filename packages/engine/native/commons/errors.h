// The engine's one error type and the loud assertion used at every public entry point.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace fhe {

// Error thrown for any invalid input; the N-API layer converts it into a JS Error.
struct EngineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] inline void fail(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  throw EngineError(os.str());
}

// FHE_CHECK(cond, "Mismatched LweDimension. Key: ", a, ", ciphertext: ", b)
#define FHE_CHECK(cond, ...) \
  do {                       \
    if (!(cond)) ::fhe::fail(__VA_ARGS__); \
  } while (0)

}  // namespace fhe
