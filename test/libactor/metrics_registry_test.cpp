#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/metrics/registry.hpp>

using namespace ringactor;
using namespace ringactor::metrics;

TEST_SUITE_BEGIN("libactor");

TEST_CASE("a counter family keeps one stable child per label set") {
  registry reg;
  auto& f = reg.counter_family("app_requests_total", "Requests.", {"route"});
  auto a = f.get({"/a"});
  REQUIRE(a);
  (*a)->inc();
  (*a)->inc(2);
  auto again = f.get({"/a"});
  REQUIRE(again);
  CHECK(*again == *a);
  REQUIRE(f.get({"/b"}));
  auto snap = reg.collect();
  auto fam = snap.find("app_requests_total");
  REQUIRE(fam != nullptr);
  CHECK(fam->type == metric_type::counter);
  CHECK(fam->help == "Requests.");
  REQUIRE(fam->samples.size() == 2);
  CHECK(fam->find({"/a"})->value == 3);
  CHECK(fam->find({"/b"})->value == 0);
}

TEST_CASE("a family refuses label sets past its cap with label_set_cap_reached") {
  registry reg;
  auto& f = reg.gauge_family("app_things", "Things.", {"kind"}, 3);
  for (auto k : {"x", "y", "z"})
    REQUIRE(f.get({k}));
  auto refused = f.get({"w"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == errc::label_set_cap_reached);
  CHECK(refused.error().context().find("app_things") != std::string_view::npos);
  CHECK(f.size() == 3);
  // Existing label sets are still served.
  CHECK(f.get({"x"}));
  CHECK(reg.collect().find("app_things")->samples.size() == 3);
}

TEST_CASE("a wrong number of label values is an error, not a new child") {
  registry reg;
  auto& f = reg.counter_family("app_x_total", "X.", {"a", "b"});
  auto r = f.get({"only one"});
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::label_count_mismatch);
  CHECK(f.size() == 0);
}

TEST_CASE("bad names and clashing families are refused at creation") {
  registry reg;
  CHECK_THROWS_AS(reg.counter_family("no_suffix", "h", {}), std::invalid_argument);
  CHECK_THROWS_AS(reg.gauge_family("9starts_with_digit", "h", {}), std::invalid_argument);
  CHECK_THROWS_AS(reg.gauge_family("bad-dash", "h", {}), std::invalid_argument);
  CHECK_THROWS_AS(reg.gauge_family("ok", "h", {"__reserved"}), std::invalid_argument);
  CHECK_THROWS_AS(reg.gauge_family("ok2", "h", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram_family("h_seconds", "h", {"le"}), std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram_family("h2_seconds", "h", {}, {1.0, 0.5}), std::invalid_argument);
  auto& g = reg.gauge_family("app_depth", "h", {"queue"});
  CHECK(&reg.gauge_family("app_depth", "h", {"queue"}) == &g);
  CHECK_THROWS_AS(reg.gauge_family("app_depth", "h", {"other"}), std::invalid_argument);
  CHECK_THROWS_AS(reg.counter_family("app_depth", "h", {"queue"}), std::invalid_argument);
}

TEST_CASE("default histogram buckets start at one microsecond and end at ten seconds") {
  auto b = default_time_buckets();
  REQUIRE(b.size() > 10);
  CHECK(b.front() == doctest::Approx(1e-6));
  CHECK(b[1] == doctest::Approx(2.5e-6));
  CHECK(b[2] == doctest::Approx(5e-6));
  CHECK(b.back() == doctest::Approx(10.0));
  for (size_t i = 1; i < b.size(); ++i)
    CHECK(b[i - 1] < b[i]);
}

TEST_CASE("histogram buckets are cumulative and monotonic with +Inf equal to the count") {
  registry reg;
  auto& h = reg.histogram_singleton("app_latency_seconds", "Latency.", {0.1, 1.0, 10.0});
  for (double x : {0.05, 0.1, 0.5, 2.0, 20.0, 30.0})
    h.observe(x);
  h.observe(std::nan(""));
  auto snap = reg.collect();
  auto fam = snap.find("app_latency_seconds");
  REQUIRE(fam != nullptr);
  CHECK(fam->type == metric_type::histogram);
  CHECK(fam->bounds == std::vector<double>{0.1, 1.0, 10.0});
  REQUIRE(fam->samples.size() == 1);
  auto& s = fam->samples[0];
  // le=0.1: 0.05 and 0.1 (a bound is inclusive); le=1: +0.5; le=10: +2;
  // +Inf: +20, +30 and the NaN.
  CHECK(s.buckets == std::vector<uint64_t>{2, 3, 4, 7});
  CHECK(s.count() == 7);
  CHECK(std::isnan(s.sum));
}

TEST_CASE("collectors add samples at scrape time and stop when their handle goes") {
  registry reg;
  int calls = 0;
  {
    auto handle = reg.add_collector([&](sample_sink& out) {
      ++calls;
      auto f = out.family("ext_depth", "Depth.", metric_type::gauge, {"device"});
      REQUIRE(f != nullptr);
      out.add(*f, {"0"}, 5);
      out.add(*f, {"1"}, 7);
      out.add(*f, {"0"}, 1); // same labels: summed
    });
    auto snap = reg.collect();
    auto fam = snap.find("ext_depth");
    REQUIRE(fam != nullptr);
    REQUIRE(fam->samples.size() == 2);
    CHECK(fam->find({"0"})->value == 6);
    CHECK(fam->find({"1"})->value == 7);
    CHECK(snap.errors.empty());
  }
  CHECK(calls == 1);
  auto snap = reg.collect();
  CHECK(snap.find("ext_depth") == nullptr);
  CHECK(calls == 1);
}

TEST_CASE("a collector's family that clashes with a registered one is reported, not merged") {
  registry reg;
  reg.gauge_singleton("app_level", "Level.").set(3);
  auto handle = reg.add_collector([](sample_sink& out) {
    CHECK(out.family("app_level", "Level.", metric_type::gauge, {"x"}) == nullptr);
    auto f = out.family("app_level", "Level.", metric_type::gauge, {});
    REQUIRE(f != nullptr);
    out.add(*f, {}, 2); // merges with the registered gauge
    out.add(*f, {"extra"}, 1);
  });
  auto snap = reg.collect();
  CHECK(snap.errors.size() == 2);
  CHECK(snap.find("app_level")->samples.size() == 1);
  CHECK(snap.find("app_level")->samples[0].value == 5);
}

TEST_CASE("families come out sorted by name") {
  registry reg;
  reg.gauge_singleton("zz", "z");
  reg.gauge_singleton("aa", "a");
  auto handle = reg.add_collector([](sample_sink& out) {
    if (auto f = out.family("mm", "m", metric_type::gauge, {}))
      out.add(*f, {}, 1);
  });
  auto snap = reg.collect();
  REQUIRE(snap.families.size() == 3);
  CHECK(snap.families[0].name == "aa");
  CHECK(snap.families[1].name == "mm");
  CHECK(snap.families[2].name == "zz");
}

TEST_CASE("updates, new label sets, collectors and scrapes run concurrently") {
  registry reg;
  auto& c = reg.counter_family("app_ops_total", "Ops.", {"thread"});
  auto& h = reg.histogram_family("app_op_seconds", "Op time.", {"thread"});
  std::atomic<bool> stop{false};
  constexpr int per_thread = 20000;
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t)
    writers.emplace_back([&, t] {
      auto label = std::to_string(t);
      auto ctr = *c.get({label});
      auto hist = *h.get({label});
      for (int i = 0; i < per_thread; ++i) {
        ctr->inc();
        hist->observe(1e-6 * i);
      }
    });
  std::thread churn([&] {
    while (!stop.load()) {
      auto handle = reg.add_collector([](sample_sink& out) {
        if (auto f = out.family("ext_total", "e", metric_type::counter, {}))
          out.add(*f, {}, 1);
      });
    }
  });
  uint64_t last = 0;
  for (int i = 0; i < 200; ++i) {
    auto snap = reg.collect();
    uint64_t total = 0;
    if (auto f = snap.find("app_ops_total"))
      for (auto& s : f->samples)
        total += static_cast<uint64_t>(s.value);
    CHECK(total >= last); // counters never go back
    last = total;
    if (auto f = snap.find("app_op_seconds"))
      for (auto& s : f->samples)
        for (size_t b = 1; b < s.buckets.size(); ++b)
          CHECK(s.buckets[b - 1] <= s.buckets[b]);
  }
  for (auto& w : writers)
    w.join();
  stop = true;
  churn.join();
  auto snap = reg.collect();
  uint64_t total = 0;
  for (auto& s : snap.find("app_ops_total")->samples)
    total += static_cast<uint64_t>(s.value);
  CHECK(total == 3 * per_thread);
  for (auto& s : snap.find("app_op_seconds")->samples)
    CHECK(s.count() == per_thread);
}

TEST_SUITE_END();
