// An outside program built against an installed ringactor-prometheus-cpp with
// pkg-config only (scripts/check-install): it serves a system's metrics
// through prometheus-cpp's serializer, beside a prometheus-cpp registry.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <ringactor/all.hpp>
#include <ringactor/telemetry/prometheus_cpp.hpp>

using namespace ringactor;

int main() {
  auto app = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
    .Name("outside_logins_total")
    .Help("Logins.")
    .Register(*app)
    .Add({})
    .Increment();
  std::string page;
  {
    actor_system sys{actor_system_config{}.set_workers(1)};
    sys.metrics().histogram_singleton("outside_job_seconds", "Jobs.", {0.5}).observe(0.25);
    auto adapter = std::make_shared<telemetry::prometheus_collectable>(sys);
    std::vector<std::weak_ptr<prometheus::Collectable>> collectables{app, adapter};
    std::vector<prometheus::MetricFamily> families;
    for (auto& weak : collectables)
      if (auto c = weak.lock())
        for (auto& f : c->Collect())
          families.push_back(std::move(f));
    page = prometheus::TextSerializer{}.Serialize(families);
  }
  bool ok = page.find("outside_logins_total 1\n") != std::string::npos
            && page.find("outside_job_seconds_bucket{le=\"0.5\"} 1\n") != std::string::npos
            && page.find("# TYPE ringactor_requests_total counter\n") != std::string::npos;
  std::printf("%s: a system's metrics come out of prometheus-cpp's serializer\n",
              ok ? "ok" : "FAIL");
  if (!ok)
    std::printf("%s", page.c_str());
  return ok ? 0 : 1;
}
