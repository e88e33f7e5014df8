// Trial counts of the group search against one-at-a-time elimination, on simulated services
// with d breaking options among n (single rung, no retries, no confirmations). Not a test.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <random>
#include <set>
#include <vector>

#include "fake_service.hpp"
#include "harden_bisect/search.hpp"

namespace {

constexpr int kSamples = 2000;  // random placements per (n, d), plus front/back/spread ones

// Search trials (baseline included) for breaking options `bad` among n.
std::size_t trials_for(std::size_t n, const std::set<std::size_t>& bad) {
  hb::testing::FakeService service;
  for (std::size_t o : bad) service.breaks(o);
  std::vector<hb::SearchItem> items(n);
  hb::SearchOptions options;
  options.confirmations = 0;
  options.retries = 0;
  return hb::run_search(items, service, options).trials;
}

std::vector<std::set<std::size_t>> placements(std::size_t n, std::size_t d, std::mt19937& rng) {
  std::vector<std::set<std::size_t>> out(3);
  for (std::size_t i = 0; i < d; ++i) {
    out[0].insert(i);          // all at the front
    out[1].insert(n - 1 - i);  // all at the back
    out[2].insert(i * n / d);  // evenly spread
  }
  for (int s = 0; s < kSamples; ++s) {
    std::set<std::size_t> bad;
    while (bad.size() < d) bad.insert(rng() % n);
    out.push_back(bad);
  }
  return out;
}

}  // namespace

int main() {
  std::mt19937 rng(1);
  std::printf("trials incl. baseline; confirmations and retries excluded\n");
  std::printf("%4s %2s %8s %5s %13s %16s\n", "n", "d", "mean", "max", "1-at-a-time",
              "d*log2(n/d)+d+1");
  for (std::size_t n = 20; n <= 120; n += 20) {
    for (std::size_t d = 0; d <= 8; ++d) {
      std::size_t max = 0;
      double sum = 0;
      const auto cases = placements(n, d, rng);
      for (const auto& bad : cases) {
        const std::size_t t = trials_for(n, bad);
        max = std::max(max, t);
        sum += static_cast<double>(t);
      }
      // The expectation in the brief, plus the baseline.
      const double target = d == 0 ? 2.0 : d * std::log2(double(n) / d) + d + 1;
      std::printf("%4zu %2zu %8.1f %5zu %13zu %16.1f\n", n, d, sum / cases.size(), max, n + 1,
                  target);
    }
  }
}
