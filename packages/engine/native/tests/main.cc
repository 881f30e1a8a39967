// Runs the native tests: every registered test, or those whose name contains argv[1].
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>

#include "tests/harness.h"

namespace fhe::testing {

namespace {
int g_failures = 0;
const char* g_current = "";
}  // namespace

std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

void record_failure(const char* file, int line, const std::string& what) {
  ++g_failures;
  std::fprintf(stderr, "FAIL [%s] %s:%d: %s\n", g_current, file, line, what.c_str());
}

uint64_t env_count(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

uint64_t seed() {
  static const uint64_t s = env_count("FHENET_TEST_SEED", 20261207);
  return s;
}

}  // namespace fhe::testing

int main(int argc, char** argv) {
  using namespace fhe::testing;
  const char* filter = argc > 1 ? argv[1] : "";
  std::printf("native tests: seed %llu (FHENET_TEST_SEED), fuzz iterations x%llu (FHENET_FUZZ_ITERATIONS)\n",
              (unsigned long long)seed(), (unsigned long long)env_count("FHENET_FUZZ_ITERATIONS", 1));
  int run = 0, failed_tests = 0;
  for (const TestCase& t : registry()) {
    if (!std::strstr(t.name, filter)) continue;
    g_current = t.name;
    const int before = g_failures;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      t.run();
    } catch (const std::exception& e) {
      record_failure(__FILE__, __LINE__, std::string("uncaught exception: ") + e.what());
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++run;
    const bool ok = g_failures == before;
    if (!ok) ++failed_tests;
    std::printf("%s %s (%.0f ms)\n", ok ? "ok  " : "FAIL", t.name, ms);
    std::fflush(stdout);
  }
  std::printf("native tests: %d run, %d failed\n", run, failed_tests);
  return run == 0 || failed_tests ? 1 : 0;
}
