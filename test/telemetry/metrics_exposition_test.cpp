#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <unistd.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>
#include <ringactor/k2k/broker.hpp>
#include <ringactor/telemetry/prometheus_text.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace {

/// Runs `command` through the shell; its exit status and output.
struct run_result {
  int status = -1;
  std::string output;
};

run_result run(const std::string& command) {
  run_result result;
  auto pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr)
    return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0)
    result.output.append(buf, n);
  auto rc = pclose(pipe);
  result.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return result;
}

bool have(const char* program) {
  return run(std::string{"command -v "} + program).status == 0;
}

/// A file with `text` that removes itself.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/ringactor-metrics-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream{path} << text;
  }
  ~temp_file() { std::remove(path.c_str()); }
};

/// A registry with one family of every kind and awkward label values.
void fill(metrics::registry& reg) {
  auto& c = reg.counter_family("app_requests_total", "Requests by route.", {"route", "code"});
  (*c.get({"/a", "200"}))->inc(3);
  (*c.get({"say \"hi\"\\ now\nplease", "500"}))->inc();
  reg.gauge_singleton("app_queue_depth", "Depth of the queue.\nSecond line \\ backslash").set(-4);
  reg.double_gauge_family("app_temperature_celsius", "A float.", {}).get({}).value()->set(21.5);
  auto& h = reg.histogram_family("app_latency_seconds", "Latency.", {"route"}, {0.001, 0.01, 0.1});
  auto fast = *h.get({"/a"});
  for (double x : {0.0005, 0.001, 0.005, 0.05, 0.5})
    fast->observe(x);
}

} // namespace

TEST_SUITE_BEGIN("telemetry");

TEST_CASE("the text format writes HELP and TYPE once per family, escapes, and sorts by name") {
  metrics::registry reg;
  fill(reg);
  auto text = telemetry::prometheus_text(reg);
  CHECK(text.find("# HELP app_queue_depth Depth of the queue.\\nSecond line \\\\ backslash\n"
                  "# TYPE app_queue_depth gauge\napp_queue_depth -4\n")
        != std::string::npos);
  CHECK(text.find("# TYPE app_requests_total counter\n") != std::string::npos);
  CHECK(text.find("app_requests_total{route=\"/a\",code=\"200\"} 3\n") != std::string::npos);
  CHECK(text.find("app_requests_total{route=\"say \\\"hi\\\"\\\\ now\\nplease\",code=\"500\"} 1\n")
        != std::string::npos);
  CHECK(text.find("app_temperature_celsius 21.5\n") != std::string::npos);
  // Sorted by name: latency, queue, requests, temperature.
  auto l = text.find("# HELP app_latency_seconds");
  auto q = text.find("# HELP app_queue_depth");
  auto r = text.find("# HELP app_requests_total");
  auto t = text.find("# HELP app_temperature_celsius");
  CHECK(l < q);
  CHECK(q < r);
  CHECK(r < t);
  // One HELP per family even with several samples.
  CHECK(text.find("# HELP app_requests_total", r + 1) == std::string::npos);
}

TEST_CASE("histograms come out as cumulative buckets ending at +Inf, then sum and count") {
  metrics::registry reg;
  fill(reg);
  auto text = telemetry::prometheus_text(reg);
  CHECK(text.find("# TYPE app_latency_seconds histogram\n"
                  "app_latency_seconds_bucket{route=\"/a\",le=\"0.001\"} 2\n"
                  "app_latency_seconds_bucket{route=\"/a\",le=\"0.01\"} 3\n"
                  "app_latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 4\n"
                  "app_latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 5\n"
                  "app_latency_seconds_sum{route=\"/a\"} 0.5565\n"
                  "app_latency_seconds_count{route=\"/a\"} 5\n")
        != std::string::npos);
}

TEST_CASE("special floats are written as Prometheus reads them") {
  metrics::snapshot snap;
  auto& f = snap.families.emplace_back();
  f.name = "x";
  f.help = "h";
  f.type = metrics::metric_type::gauge;
  f.label_names = {"v"};
  for (auto [label, value] :
       {std::pair{"inf", std::numeric_limits<double>::infinity()},
        std::pair{"ninf", -std::numeric_limits<double>::infinity()},
        std::pair{"nan", std::numeric_limits<double>::quiet_NaN()}, std::pair{"small", 1e-6}}) {
    auto& s = f.samples.emplace_back();
    s.label_values = {label};
    s.value = value;
  }
  std::string text = "# existing\n";
  telemetry::append_prometheus_text(text, snap);
  CHECK(text.starts_with("# existing\n# HELP x h\n"));
  CHECK(text.find("x{v=\"inf\"} +Inf\n") != std::string::npos);
  CHECK(text.find("x{v=\"ninf\"} -Inf\n") != std::string::npos);
  CHECK(text.find("x{v=\"nan\"} NaN\n") != std::string::npos);
  CHECK(text.find("x{v=\"small\"} 1e-06\n") != std::string::npos);
}

TEST_CASE("a running system's metrics page passes promtool check metrics") {
  if (!have("promtool")) {
    MESSAGE("promtool is missing (Debian package prometheus): check skipped");
    return;
  }
  actor_system sys{actor_system_config{}.set_workers(2).set_actor_metrics_includes({"echo"})};
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    self->set_name("echo");
    return {[](int x) { return x; }};
  });
  scoped_actor self{sys};
  for (int i = 0; i < 3; ++i)
    REQUIRE(self->request(a, 5s, i).get<int>());
  // A kernel's families (ringactor_kernel_*) too, its histogram included.
  using adder_if = typed_actor<result<std::int32_t>(kernels::add)>;
  auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, {.backend = kernel_backend::cpu});
  REQUIRE(self->request(k, 5s, kernels::add{1, 2}).get());
  // A broker with the kernel as a device endpoint: its collector's families
  // (ringactor_k2k_device_*).
  auto b = k2k::spawn_broker(sys, {.name = "edge"});
  REQUIRE(self->request(b, 5s, k2k::register_endpoint{"adder", k}).get());
  fill(sys.metrics());
  auto text = telemetry::prometheus_text(sys.metrics());
  REQUIRE(text.find("ringactor_kernel_round_trip_seconds_bucket{") != std::string::npos);
  REQUIRE(text.find("ringactor_k2k_device_sends_total{") != std::string::npos);
  REQUIRE(text.find("ringactor_k2k_device_channel_depth{") != std::string::npos);
  temp_file file{text};
  auto r = run("promtool check metrics < " + file.path);
  CHECK_MESSAGE(r.status == 0, r.output, "\n--- the page:\n", text);
}

TEST_CASE("the metrics page parses with prometheus_client's parser") {
  if (run("/usr/bin/python3 -c 'import prometheus_client.parser'").status != 0) {
    MESSAGE("python3-prometheus-client is missing: check skipped");
    return;
  }
  actor_system sys{actor_system_config{}.set_workers(2)};
  fill(sys.metrics());
  auto a = sys.spawn([]() -> behavior { return {[](int x) { return x; }}; });
  scoped_actor self{sys};
  REQUIRE(self->request(a, 5s, 1).get<int>());
  // A broker with a kernel endpoint (ringactor_k2k_device_*).
  using adder_if = typed_actor<result<std::int32_t>(kernels::add)>;
  auto k = spawn_kernel<adder_if>(sys, kernels::adder{}, {.backend = kernel_backend::cpu});
  auto b = k2k::spawn_broker(sys, {.name = "edge"});
  REQUIRE(self->request(b, 5s, k2k::register_endpoint{"adder", k}).get());
  temp_file file{telemetry::prometheus_text(sys.metrics())};
  // Prints "family type" per family, then "sample value" for the samples
  // asked about below.
  auto r = run("/usr/bin/python3 -c '"
               "import sys\n"
               "from prometheus_client.parser import text_string_to_metric_families\n"
               "for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
               "    print(\"family\", f.name, f.type)\n"
               "    for s in f.samples:\n"
               "        print(\"sample\", s.name, \",\".join(k + \"=\" + v for k, v in "
               "sorted(s.labels.items())), repr(s.value))\n"
               "' "
               + file.path);
  REQUIRE_MESSAGE(r.status == 0, r.output);
  auto& out = r.output;
  // The client strips _total from counter family names (OpenMetrics).
  CHECK(out.find("family app_requests counter\n") != std::string::npos);
  CHECK(out.find("family app_latency_seconds histogram\n") != std::string::npos);
  CHECK(out.find("family app_queue_depth gauge\n") != std::string::npos);
  CHECK(out.find("family ringactor_requests counter\n") != std::string::npos);
  CHECK(out.find("family ringactor_system_running_actors gauge\n") != std::string::npos);
  CHECK(out.find("sample app_requests_total code=200,route=/a 3.0\n") != std::string::npos);
  CHECK(out.find("sample app_requests_total code=500,route=say \"hi\"\\ now\nplease 1.0\n")
        != std::string::npos);
  CHECK(out.find("sample app_latency_seconds_bucket le=+Inf,route=/a 5.0\n") != std::string::npos);
  CHECK(out.find("sample app_latency_seconds_count route=/a 5.0\n") != std::string::npos);
  CHECK(out.find("sample app_queue_depth  -4.0\n") != std::string::npos);
  // The request to the actor and the broker's registration.
  CHECK(out.find("sample ringactor_requests_total outcome=value 2.0\n") != std::string::npos);
  CHECK(out.find("family ringactor_k2k_device_sends counter\n") != std::string::npos);
  CHECK(out.find("sample ringactor_k2k_device_sends_total broker=edge,outcome=channel 0.0\n")
        != std::string::npos);
  CHECK(out.find("family ringactor_k2k_device_channel_depth gauge\n") != std::string::npos);
}

TEST_SUITE_END();
