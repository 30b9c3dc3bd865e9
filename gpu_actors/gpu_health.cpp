// ringactor: the health probes of kernel actors (health.hpp). Readiness:
// each kernel's heartbeat ("kernel.<name>.<id>": silent past its stall or
// residency timeout is not ready) and each CUDA device it runs on
// ("gpu.device.<n>": lost after a sticky error). Liveness: the completion
// poller that serves it ("gpu.poller.cpu", "gpu.poller.cuda.<n>"): turning
// rounds or parked is live; stuck inside one round is not.
#include <chrono>

#include <fmt/format.h>

#include "ringactor/gpu/detail/kernel_session.hpp"
#include "ringactor/gpu/detail/kernel_silence.hpp"
#include "ringactor/gpu/device_health.hpp"

namespace ringactor::detail {

namespace {

/// A poll round takes microseconds; one that has not ended for this long
/// is stuck (a kernel session's poll that blocks).
constexpr auto poller_stuck_after = std::chrono::seconds{10};

health_registry::probe poller_liveness_probe(const completion_poller& poller,
                                             std::string component) {
  using clock = std::chrono::steady_clock;
  // Probes run one at a time under the registry's lock: no lock of our own.
  return [&poller, component = std::move(component), rounds = uint64_t{0},
          since = clock::time_point{}, valid = false](std::vector<component_health>& out) mutable {
    auto now = clock::now();
    auto r = poller.rounds();
    component_health c{component, true, {}};
    if (!valid || r != rounds || poller.parked()) {
      rounds = r;
      since = now;
      valid = true;
      c.reason = poller.parked() ? "parked" : "polling";
    } else if (now - since >= poller_stuck_after) {
      c.ok = false;
      c.reason = fmt::format("no poll round ended for {:.1f} s",
                             std::chrono::duration<double>(now - since).count());
    } else {
      c.reason = "in a poll round";
    }
    out.push_back(std::move(c));
  };
}

} // namespace

void kernel_session::watch_health(health_registry& registry) {
  bool cuda = backend_ == kernel_backend::cuda;
  auto poller = cuda ? fmt::format("gpu.poller.cuda.{}", cfg_.device)
                     : std::string{"gpu.poller.cpu"};
  // put(): one probe per poller (and device) however many kernels it
  // serves; pollers live until the process exits.
  registry.put(health_kind::liveness, poller, poller_liveness_probe(*poller_, poller));
  if (cuda) {
    auto device = fmt::format("gpu.device.{}", cfg_.device);
    registry.put(health_kind::readiness, device,
                 [device, n = cfg_.device](std::vector<component_health>& out) {
                   auto lost = cuda_device_lost(n);
                   out.push_back({device, !lost, lost ? cuda_device_lost_message(n) : "usable"});
                 });
  }
  health_probe_ = registry.add(health_kind::readiness, [this](std::vector<component_health>& out) {
    auto id = attached_.load(std::memory_order_acquire) ? proxy_.id() : actor_id{0};
    component_health c{fmt::format("kernel.{}.{}", cfg_.name, id), true, {}};
    c.reason = silence_now();
    c.ok = c.reason.empty();
    if (c.ok)
      c.reason = cfg_.mode == loop_mode::launch ? "launch mode" : "heartbeat fresh";
    out.push_back(std::move(c));
  });
}

std::string kernel_session::silence_now() const {
  if (cfg_.mode == loop_mode::launch)
    return {};
  using namespace std::chrono;
  auto now = steady_clock::now();
  auto since_beat = now
                    - steady_clock::time_point{
                      nanoseconds{last_beat_seen_ns_.load(std::memory_order_relaxed)}};
  switch (judge_silence(channel_->control().state(), now - started_, since_beat,
                        cfg_.residency_timeout, cfg_.stall_timeout)) {
    case kernel_silence::none: return {};
    case kernel_silence::not_resident:
      return fmt::format("not resident: the kernel has not started running {} ms after its "
                         "launch (residency timeout {} ms)",
                         duration_cast<milliseconds>(now - started_).count(),
                         duration_cast<milliseconds>(cfg_.residency_timeout).count());
    case kernel_silence::stalled:
      return fmt::format("stalled: no heartbeat for {} ms (stall timeout {} ms)",
                         duration_cast<milliseconds>(since_beat).count(),
                         duration_cast<milliseconds>(cfg_.stall_timeout).count());
  }
  return {};
}

} // namespace ringactor::detail
