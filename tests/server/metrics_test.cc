#include "server/metrics.h"

#include <catch2/catch.hpp>
#include <limits>
#include <thread>
#include <vector>

namespace warp::server {
namespace {

constexpr uint64_t kMicro = 1000;

// The index of the bucket a call landed in, from cumulative counts of one command.
size_t BucketOf(const ServerMetrics::CommandFigures& f) {
  for (size_t b = 0; b < f.buckets.size(); ++b) {
    if (f.buckets[b] > 0) return b;
  }
  return f.buckets.size();
}

}  // namespace

TEST_CASE("bucket bounds rise from 10us to 1s and leave room for the +Inf bucket") {
  const std::vector<double>& bounds = ServerMetrics::BucketBoundsSeconds();
  REQUIRE(bounds.size() == ServerMetrics::kBounds);
  CHECK(bounds.front() == Approx(10e-6));
  CHECK(bounds.back() == Approx(1.0));
  for (size_t i = 1; i < bounds.size(); ++i) {
    CHECK(bounds[i] > bounds[i - 1]);
    CHECK(bounds[i] / bounds[i - 1] <= 5.0);
  }
}

TEST_CASE("a command never called is left out of Collect") {
  ServerMetrics metrics({"get", "set", "del"}, 2);
  CHECK(metrics.Collect().empty());
  metrics.Record(1, 1, 5 * kMicro, false);
  std::vector<ServerMetrics::CommandFigures> figures = metrics.Collect();
  REQUIRE(figures.size() == 1);
  CHECK(figures[0].name == "set");
  CHECK(figures[0].calls == 1);
  CHECK(figures[0].failed == 0);
  CHECK(figures[0].total_ns == 5 * kMicro);
  CHECK(figures[0].buckets.size() == ServerMetrics::kBuckets);
}

TEST_CASE("a latency equal to a bound counts in that bucket and one nanosecond more in the next") {
  const std::vector<double>& bounds = ServerMetrics::BucketBoundsSeconds();
  for (size_t b = 0; b < bounds.size(); ++b) {
    uint64_t bound_ns = static_cast<uint64_t>(bounds[b] * 1e9 + 0.5);
    ServerMetrics at({"get"}, 1), above({"get"}, 1);
    at.Record(0, 0, bound_ns, false);
    above.Record(0, 0, bound_ns + 1, false);
    CHECK(BucketOf(at.Collect()[0]) == b);
    CHECK(BucketOf(above.Collect()[0]) == b + 1);
  }
}

TEST_CASE("zero and huge latencies land in the first and the +Inf bucket") {
  ServerMetrics metrics({"get", "set"}, 1);
  metrics.Record(0, 0, 0, false);
  metrics.Record(0, 1, uint64_t{1} << 62, false);
  std::vector<ServerMetrics::CommandFigures> figures = metrics.Collect();
  REQUIRE(figures.size() == 2);
  CHECK(BucketOf(figures[0]) == 0);
  CHECK(BucketOf(figures[1]) == ServerMetrics::kBuckets - 1);
  CHECK(figures[1].buckets.back() == 1);
}

TEST_CASE("buckets are cumulative and the last one equals the number of calls") {
  ServerMetrics metrics({"get"}, 1);
  metrics.Record(0, 0, 1 * kMicro, false);          // <= 10us
  metrics.Record(0, 0, 20 * kMicro, true);          // <= 25us
  metrics.Record(0, 0, 20 * kMicro, false);         // <= 25us
  metrics.Record(0, 0, 2000 * kMicro, true);        // <= 2.5ms
  metrics.Record(0, 0, 5'000'000 * kMicro, false);  // +Inf
  ServerMetrics::CommandFigures f = metrics.Collect().at(0);
  CHECK(f.calls == 5);
  CHECK(f.failed == 2);
  CHECK(f.total_ns == (1 + 20 + 20 + 2000 + 5'000'000) * kMicro);
  CHECK(f.buckets[0] == 1);
  CHECK(f.buckets[1] == 3);
  CHECK(f.buckets[6] == 3);   // <= 1ms
  CHECK(f.buckets[7] == 4);   // <= 2.5ms
  CHECK(f.buckets[12] == 4);  // <= 1s
  CHECK(f.buckets[13] == 5);  // +Inf
  for (size_t b = 1; b < f.buckets.size(); ++b) CHECK(f.buckets[b] >= f.buckets[b - 1]);
}

TEST_CASE("calls recorded concurrently by four threads on their own slots are all counted") {
  constexpr size_t kThreads = 4;
  constexpr uint64_t kCallsPerThread = 100000;
  ServerMetrics metrics({"get", "set", "incr"}, kThreads);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (uint64_t i = 0; i < kCallsPerThread; ++i) {
        // Every thread calls every command; latencies spread over several buckets.
        metrics.Record(t, i % 3, (i % 7) * 10 * kMicro, i % 5 == 0);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<ServerMetrics::CommandFigures> figures = metrics.Collect();
  REQUIRE(figures.size() == 3);
  uint64_t calls = 0, failed = 0, total_ns = 0;
  for (const auto& f : figures) {
    calls += f.calls;
    failed += f.failed;
    total_ns += f.total_ns;
    CHECK(f.buckets.back() == f.calls);
  }
  uint64_t expected_failed = 0, expected_ns = 0;
  for (uint64_t i = 0; i < kCallsPerThread; ++i) {
    expected_failed += i % 5 == 0;
    expected_ns += (i % 7) * 10 * kMicro;
  }
  CHECK(calls == kThreads * kCallsPerThread);
  CHECK(failed == kThreads * expected_failed);
  CHECK(total_ns == kThreads * expected_ns);
  CHECK(figures[0].calls == kThreads * ((kCallsPerThread + 2) / 3));
}

TEST_CASE("prometheus text escapes label values and prints counters as exact integers") {
  PrometheusText out;
  out.Family("warp_x_total", "counter", "An example.");
  out.Sample("warp_x_total", {{"actor", "a\\b\"c\nd"}, {"le", "+Inf"}}, 9007199254740992.0);
  out.Sample("warp_x_total", {}, 0.25);
  CHECK(out.Take() ==
        "# HELP warp_x_total An example.\n"
        "# TYPE warp_x_total counter\n"
        "warp_x_total{actor=\"a\\\\b\\\"c\\nd\",le=\"+Inf\"} 9007199254740992\n"
        "warp_x_total 0.25\n");
  CHECK(PrometheusText::Number(1e-05) == "1e-05");
  CHECK(PrometheusText::Number(std::numeric_limits<double>::infinity()) == "+Inf");
}

}  // namespace warp::server
