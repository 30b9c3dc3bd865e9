// The prometheus-cpp adapter (ringactor-prometheus-cpp): its families, once
// prometheus::TextSerializer wrote them, say what ringactor's own page says.
// Both pages are parsed (prometheus_page.hpp) and compared sample by sample.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <ringactor/all.hpp>
#include <ringactor/telemetry/prometheus_cpp.hpp>
#include <ringactor/telemetry/prometheus_text.hpp>

#include "metrics_test_util.hpp"
#include "prometheus_page.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using prometheus_page::page;
using prometheus_page::parse;
using test_util::eventually;

namespace {

/// What prometheus::Exposer serves for its collectables (prometheus-cpp
/// 1.0's MetricsHandler): each one that still exists is collected, the
/// families concatenated and serialized.
std::string scrape(const std::vector<std::weak_ptr<prometheus::Collectable>>& collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (auto& weak : collectables)
    if (auto c = weak.lock()) {
      auto more = c->Collect();
      std::move(more.begin(), more.end(), std::back_inserter(families));
    }
  return prometheus::TextSerializer{}.Serialize(families);
}

/// An application's registry with every kind of family, awkward label
/// values and help texts, and special floats.
void fill_adapter_registry(metrics::registry& reg) {
  auto& c = reg.counter_family("app_requests_total", "Requests by route.", {"route", "code"});
  (*c.get({"/a", "200"}))->inc(3);
  (*c.get({"/a", "500"}))->inc();
  (*c.get({"say \"hi\"\\ now\nplease", "500"}))->inc(7);
  reg.gauge_singleton("app_queue_depth", "Depth of the queue.\nSecond line \\ backslash").set(-4);
  auto& t = reg.double_gauge_family("app_temperature_celsius", "A float.", {"room"});
  (*t.get({"hot"}))->set(std::numeric_limits<double>::infinity());
  (*t.get({"cold"}))->set(-std::numeric_limits<double>::infinity());
  (*t.get({"unknown"}))->set(std::numeric_limits<double>::quiet_NaN());
  (*t.get({"lab"}))->set(1e-6);
  auto& h = reg.histogram_family("app_latency_seconds", "Latency.", {"route"}, {0.001, 0.01, 0.1});
  for (double x : {0.0005, 0.001, 0.005, 0.05, 0.5})
    (*h.get({"/a"}))->observe(x);
  (*h.get({"/b"}))->observe(0.02);
  reg.histogram_singleton("app_size_bytes", "Sizes.", {1024, 65536}).observe(4096);
}

/// Both pages have the same families (help, type) and samples (label sets,
/// values), with no parse error on either side.
void check_same(const page& expected, const page& got) {
  CHECK(expected.errors.empty());
  CHECK(got.errors.empty());
  for (auto& e : expected.errors)
    MESSAGE("ringactor's page: ", e);
  for (auto& e : got.errors)
    MESSAGE("prometheus-cpp's page: ", e);
  CHECK(got.names() == expected.names());
  // No structured bindings: doctest's assertions capture them in lambdas,
  // which clang 14 refuses.
  for (auto& entry : expected.families) {
    auto& name = entry.first;
    auto& want = entry.second;
    auto it = got.families.find(name);
    if (it == got.families.end())
      continue; // reported by the names' check
    auto& have = it->second;
    CHECK_MESSAGE(have.help == want.help, name);
    CHECK_MESSAGE(have.type == want.type, name);
    CHECK_MESSAGE(have.keys() == want.keys(), name);
    for (auto& sample : want.samples) {
      auto& key = sample.first;
      auto& value = sample.second;
      auto s = have.samples.find(key);
      if (s != have.samples.end())
        CHECK_MESSAGE(prometheus_page::same_value(s->second, value), key);
    }
  }
}

/// Counters and histograms only grow: `mid`'s value of each sample lies
/// between `before`'s and `after`'s. Gauges are compared by label sets.
void check_between(const page& before, const page& mid, const page& after) {
  CHECK(mid.errors.empty());
  CHECK(before.names() == mid.names());
  CHECK(mid.names() == after.names());
  for (auto& entry : mid.families) {
    auto& name = entry.first;
    auto& m = entry.second;
    auto b = before.families.find(name);
    auto a = after.families.find(name);
    if (b == before.families.end() || a == after.families.end())
      continue; // reported by the names' checks
    CHECK_MESSAGE(m.help == b->second.help, name);
    CHECK_MESSAGE(m.type == b->second.type, name);
    auto before_keys = b->second.keys();
    auto mid_keys = m.keys();
    auto after_keys = a->second.keys();
    CHECK_MESSAGE(std::includes(mid_keys.begin(), mid_keys.end(), before_keys.begin(),
                                before_keys.end()),
                  name);
    CHECK_MESSAGE(
      std::includes(after_keys.begin(), after_keys.end(), mid_keys.begin(), mid_keys.end()), name);
    if (m.type == "gauge")
      continue;
    for (auto& sample : m.samples) {
      auto& key = sample.first;
      auto& value = sample.second;
      auto lo = b->second.samples.find(key);
      auto hi = a->second.samples.find(key);
      if (lo != b->second.samples.end())
        CHECK_MESSAGE(lo->second <= value, key);
      if (hi != a->second.samples.end())
        CHECK_MESSAGE(value <= hi->second, key);
    }
  }
}

} // namespace

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("the prometheus-cpp collectable of a registry serializes to ringactor's own page") {
  auto reg = std::make_shared<metrics::registry>();
  fill_adapter_registry(*reg);
  auto adapter = std::make_shared<telemetry::prometheus_collectable>(
    std::weak_ptr<const metrics::registry>{reg});
  auto theirs = parse(scrape({adapter}));
  auto ours = parse(telemetry::prometheus_text(*reg));
  REQUIRE(ours.families.size() == 5);
  check_same(ours, theirs);
  // Spot checks, so that a parser that read nothing cannot pass.
  auto& lat = theirs.families["app_latency_seconds"];
  CHECK(lat.type == "histogram");
  CHECK(lat.samples["app_latency_seconds_bucket{le=\"0.01\",route=\"/a\"}"] == 3);
  CHECK(lat.samples["app_latency_seconds_bucket{le=\"+Inf\",route=\"/a\"}"] == 5);
  CHECK(lat.samples["app_latency_seconds_count{route=\"/b\"}"] == 1);
  CHECK(theirs.families["app_requests_total"]
          .samples["app_requests_total{code=\"500\",route=\"say \\\"hi\\\"\\\\ now\\nplease\"}"]
        == 7);
  CHECK(theirs.families["app_queue_depth"].help
        == "Depth of the queue.\\nSecond line \\\\ backslash");
}

TEST_CASE("histogram families carry cumulative buckets ending at +Inf, one per bound") {
  metrics::registry reg;
  fill_adapter_registry(reg);
  auto families = telemetry::to_prometheus_families(reg.collect());
  auto lat = std::find_if(families.begin(), families.end(),
                          [](auto& f) { return f.name == "app_latency_seconds"; });
  REQUIRE(lat != families.end());
  CHECK(lat->type == prometheus::MetricType::Histogram);
  REQUIRE(lat->metric.size() == 2);
  auto& a = lat->metric[0];
  REQUIRE(a.label.size() == 1);
  CHECK(a.label[0].name == "route");
  CHECK(a.label[0].value == "/a");
  auto& h = a.histogram;
  REQUIRE(h.bucket.size() == 4);
  std::vector<double> bounds;
  std::vector<uint64_t> counts;
  for (auto& b : h.bucket) {
    bounds.push_back(b.upper_bound);
    counts.push_back(b.cumulative_count);
  }
  CHECK(bounds == std::vector<double>{0.001, 0.01, 0.1, std::numeric_limits<double>::infinity()});
  CHECK(counts == std::vector<uint64_t>{2, 3, 4, 5});
  CHECK(h.sample_count == 5);
  CHECK(h.sample_sum == doctest::Approx(0.5565));
}

TEST_CASE("a system's collectable beside an application's prometheus-cpp registry reports what "
          "the system's page reports") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto& hist = sys.metrics().histogram_family("app_job_duration_seconds", "Time per job.",
                                              {"queue"}, {0.01, 0.1, 1});
  (*hist.get({"fast"}))->observe(0.005);
  (*hist.get({"fast"}))->observe(0.05);
  (*hist.get({"slow"}))->observe(3);
  auto app = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
    .Name("app_logins_total")
    .Help("Logins.")
    .Register(*app)
    .Add({})
    .Increment(2);
  auto adapter = std::make_shared<telemetry::prometheus_collectable>(sys);
  CHECK(adapter->attached());
  // Events: spawns, messages, a value and an error outcome.
  auto server = sys.spawn([]() -> behavior {
    return {[](int x) -> result<int> {
      if (x < 0)
        return error{sec::invalid_argument, "negative"};
      return x;
    }};
  });
  {
    scoped_actor self{sys};
    for (int i = 0; i < 4; ++i)
      REQUIRE(self->request(server, 5s, i).get<int>());
    CHECK(self->request(server, 5s, -1).get<int>().error() == sec::invalid_argument);
  }
  auto& reg = sys.metrics();
  REQUIRE(eventually([&] {
    return metrics_test::value_of(reg, "ringactor_requests_total", {"error"}).value_or(0) >= 1;
  }));
  auto before = parse(telemetry::prometheus_text(reg));
  auto mid_text = scrape({app, adapter});
  auto after = parse(telemetry::prometheus_text(reg));
  auto mid = parse(mid_text);
  // The application's own family comes through untouched.
  REQUIRE(mid.families.count("app_logins_total") == 1);
  CHECK(mid.families["app_logins_total"].samples["app_logins_total"] == 2);
  mid.families.erase("app_logins_total");
  check_between(before, mid, after);
  // What the events left, exactly (nothing else changes these meanwhile).
  auto& req = mid.families["ringactor_requests_total"];
  CHECK(req.samples["ringactor_requests_total{outcome=\"value\"}"] >= 4);
  CHECK(req.samples["ringactor_requests_total{outcome=\"error\"}"] >= 1);
  CHECK(req.samples["ringactor_requests_total{outcome=\"value\"}"]
        == after.families["ringactor_requests_total"]
             .samples["ringactor_requests_total{outcome=\"value\"}"]);
  CHECK(mid.families["ringactor_system_spawned_actors_total"]
          .samples["ringactor_system_spawned_actors_total"]
        >= 1);
  auto& job = mid.families["app_job_duration_seconds"];
  CHECK(job.type == "histogram");
  CHECK(job.help == "Time per job.");
  CHECK(job.samples["app_job_duration_seconds_bucket{le=\"0.01\",queue=\"fast\"}"] == 1);
  CHECK(job.samples["app_job_duration_seconds_bucket{le=\"0.1\",queue=\"fast\"}"] == 2);
  CHECK(job.samples["app_job_duration_seconds_bucket{le=\"1\",queue=\"fast\"}"] == 2);
  CHECK(job.samples["app_job_duration_seconds_bucket{le=\"+Inf\",queue=\"fast\"}"] == 2);
  CHECK(job.samples["app_job_duration_seconds_bucket{le=\"1\",queue=\"slow\"}"] == 0);
  CHECK(job.samples["app_job_duration_seconds_count{queue=\"slow\"}"] == 1);
  CHECK(job.samples["app_job_duration_seconds_sum{queue=\"slow\"}"] == 3);
  // The histogram's samples equal the system's own page exactly.
  CHECK(job.samples == after.families["app_job_duration_seconds"].samples);
}

TEST_CASE("a scrape after the system is destroyed returns no families") {
  auto app = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge().Name("app_up").Help("Up.").Register(*app).Add({}).Set(1);
  std::shared_ptr<telemetry::prometheus_collectable> adapter;
  {
    actor_system sys{actor_system_config{}.set_workers(1)};
    sys.metrics().counter_singleton("app_jobs_total", "Jobs.").inc(5);
    adapter = std::make_shared<telemetry::prometheus_collectable>(sys);
    auto families = adapter->Collect();
    CHECK_FALSE(families.empty());
    CHECK(std::any_of(families.begin(), families.end(),
                      [](auto& f) { return f.name == "app_jobs_total"; }));
  }
  CHECK_FALSE(adapter->attached());
  CHECK(adapter->Collect().empty());
  // Still registered beside the application's registry: its page goes on.
  auto p = parse(scrape({app, adapter}));
  CHECK(p.errors.empty());
  CHECK(p.names() == std::vector<std::string>{"app_up"});
  // A collectable over a registry that never was, or is gone, is empty too.
  CHECK(telemetry::prometheus_collectable{system_ref{}}.Collect().empty());
  auto reg = std::make_shared<metrics::registry>();
  telemetry::prometheus_collectable over_reg{std::weak_ptr<const metrics::registry>{reg}};
  reg->gauge_singleton("app_x", "X.").set(1);
  CHECK(over_reg.Collect().size() == 1);
  reg.reset();
  CHECK(over_reg.Collect().empty());
}

TEST_CASE("scrapes on another thread while the system runs, and as it is destroyed, see growing "
          "counters and then nothing") {
  auto sys = std::make_unique<actor_system>(actor_system_config{}.set_workers(2));
  auto adapter = std::make_shared<telemetry::prometheus_collectable>(*sys);
  auto& jobs = sys->metrics().counter_singleton("app_jobs_total", "Jobs.");
  // Set after the system's destructor returned; the store (release) pairs
  // with the scraper's acquire load before each scrape.
  std::atomic<bool> system_gone{false};
  // The scraper's counts and finding. Relaxed: while it runs the main thread
  // only reads `scrapes` as progress; the join orders the final reads.
  std::atomic<int> scrapes{0};
  std::atomic<int> empty_scrapes{0};
  std::atomic<bool> went_back{false};
  std::thread scraper{[&] {
    double last_value = -1;
    double last_jobs = -1;
    auto until = std::chrono::steady_clock::now() + 20s;
    // Bounded in count and time; it stops once it saw a scrape after the
    // system was destroyed.
    for (int i = 0; i < 100000 && std::chrono::steady_clock::now() < until; ++i) {
      bool gone = system_gone.load(std::memory_order_acquire);
      auto p = parse(prometheus::TextSerializer{}.Serialize(adapter->Collect()));
      scrapes.fetch_add(1, std::memory_order_relaxed);
      if (p.families.empty()) {
        empty_scrapes.fetch_add(1, std::memory_order_relaxed);
        if (gone)
          break;
        continue;
      }
      auto v = p.families["ringactor_requests_total"]
                 .samples["ringactor_requests_total{outcome=\"value\"}"];
      auto j = p.families["app_jobs_total"].samples["app_jobs_total"];
      if (v < last_value || j < last_jobs)
        went_back.store(true, std::memory_order_relaxed);
      last_value = v;
      last_jobs = j;
    }
  }};
  {
    auto server = sys->spawn([]() -> behavior { return {[](int x) { return x + 1; }}; });
    scoped_actor self{*sys};
    auto until = std::chrono::steady_clock::now() + 10s;
    // At least 300 requests, and on until the scraper read the system 20
    // times meanwhile (bounded in count and time).
    for (int i = 0; (i < 300 || scrapes.load(std::memory_order_relaxed) < 20) && i < 100000
                    && std::chrono::steady_clock::now() < until;
         ++i) {
      // CHECK, not REQUIRE: the scraper must be joined whatever happens.
      bool answered = self->request(server, 5s, i).get<int>().has_value();
      CHECK(answered);
      if (!answered)
        break;
      jobs.inc();
    }
  }
  CHECK(eventually([&] { return scrapes.load(std::memory_order_relaxed) >= 3; }));
  sys.reset(); // while the scraper may hold the registry
  // Pairs with the acquire load in the scraper: a scrape that started
  // after this sees no system.
  system_gone.store(true, std::memory_order_release);
  scraper.join();
  CHECK(scrapes.load() >= 3);
  CHECK(empty_scrapes.load() >= 1);
  CHECK_FALSE(went_back.load());
  CHECK_FALSE(adapter->attached());
}

TEST_SUITE_END();
