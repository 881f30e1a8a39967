// A minimal test harness for the standalone native tests (scripts/sanitize.sh builds them with
// ASan + UBSan): named tests registered at static-init time, EXPECT / EXPECT_THROWS that record
// a failure with file, line and message and carry on, and a main that runs every test (or those
// whose name contains argv[1]) and exits non-zero if any failed.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "commons/errors.h"

namespace fhe::testing {

struct TestCase {
  const char* name;
  std::function<void()> run;
};
std::vector<TestCase>& registry();
struct Register {
  Register(const char* name, std::function<void()> run) { registry().push_back({name, std::move(run)}); }
};
void record_failure(const char* file, int line, const std::string& what);

// A deterministic generator for test data and fuzz mutations (the seed is printed by main and can
// be replayed with FHENET_TEST_SEED).
uint64_t seed();
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t salt) : s(seed() ^ (salt * 0x9e3779b97f4a7c15ull)) { next(); }
  uint64_t next() {  // splitmix64
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
};
// An integer from the environment (FHENET_FUZZ_ITERATIONS scales the fuzz), or `fallback`.
uint64_t env_count(const char* name, uint64_t fallback);

}  // namespace fhe::testing

#define FHE_TEST_CAT2(a, b) a##b
#define FHE_TEST_CAT(a, b) FHE_TEST_CAT2(a, b)
#define TEST_CASE(name)                                                                  \
  static void FHE_TEST_CAT(test_fn_, __LINE__)();                                       \
  static ::fhe::testing::Register FHE_TEST_CAT(test_reg_, __LINE__)(name, FHE_TEST_CAT(test_fn_, __LINE__)); \
  static void FHE_TEST_CAT(test_fn_, __LINE__)()

#define EXPECT(cond, ...)                                                         \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::ostringstream fhe_os_;                                                 \
      fhe_os_ << #cond;                                                           \
      ::fhe::testing::append(fhe_os_, ##__VA_ARGS__);                             \
      ::fhe::testing::record_failure(__FILE__, __LINE__, fhe_os_.str());          \
    }                                                                             \
  } while (0)

// stmt must throw an EngineError whose message contains `needle`.
#define EXPECT_THROWS(stmt, needle)                                                                \
  do {                                                                                             \
    std::string fhe_msg_;                                                                          \
    bool fhe_threw_ = false;                                                                       \
    try {                                                                                          \
      stmt;                                                                                        \
    } catch (const ::fhe::EngineError& e) {                                                        \
      fhe_threw_ = true;                                                                           \
      fhe_msg_ = e.what();                                                                         \
    }                                                                                              \
    if (!fhe_threw_)                                                                               \
      ::fhe::testing::record_failure(__FILE__, __LINE__, std::string(#stmt) + " did not throw");   \
    else if (fhe_msg_.find(needle) == std::string::npos)                                           \
      ::fhe::testing::record_failure(__FILE__, __LINE__,                                           \
                                     std::string(#stmt) + " threw \"" + fhe_msg_ + "\", expected \"" + (needle) + "\""); \
  } while (0)

namespace fhe::testing {
inline void append(std::ostringstream&) {}
template <typename... Args>
void append(std::ostringstream& os, const Args&... args) {
  os << ": ";
  (os << ... << args);
}
}  // namespace fhe::testing
