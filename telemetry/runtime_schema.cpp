// ringactor telemetry: the runtime's configuration keys. Defaults are those
// of the structs they fill (actor_system_config, kernel_config,
// supervision::pool, k2k::broker_config); the tests check that they agree.
#include "ringactor/telemetry/runtime_schema.hpp"

#include <bit>
#include <cstdint>

#include <fmt/format.h>

#include <ringactor/actor_system_config.hpp>
#include <ringactor/gpu/kernel_config.hpp>
#include <ringactor/k2k/broker.hpp>

namespace ringactor::telemetry {

namespace {

using namespace std::chrono_literals;
using i64 = std::int64_t;
using dur = duration;

// Ring and channel capacities: a power of two >= 2.
void power_of_two(config_key& k) {
  k.rule_text = "a power of two";
  k.rule = [](const config_value& x) -> std::string {
    auto n = std::get<i64>(x);
    return n > 0 && std::has_single_bit(static_cast<std::uint64_t>(n)) ? "" : "a power of two";
  };
}

void declare_system(config_schema& s) {
  actor_system_config d;
  s.declare<i64>("system.workers", static_cast<i64>(d.workers), "Scheduler worker threads.",
                 {.min = 1, .max = 4096})
    .default_text = "hardware threads";
  s.declare<i64>("system.max_throughput", static_cast<i64>(d.max_throughput),
                 "Messages an actor handles per run before it yields its worker.", {.min = 1});
  s.declare<dur>("system.idle_spin", d.idle_spin,
                 "How long an idle worker spins looking for work before it parks.",
                 {.min = 0ns, .max = 1s});
  s.declare<bool>("system.idle_yield", d.idle_yield,
                  "An idle worker yields its core while it spins (cores shared with other "
                  "busy threads).");
  s.declare<dur>("system.shutdown_grace", d.shutdown_grace,
                 "How long shutdown waits for actors to exit before reporting them.", {.min = 0ns});
  s.declare<i64>("system.max_inline_init_depth", static_cast<i64>(d.max_inline_init_depth),
                 "Nested actor inits spawn runs in the spawning thread (0: all on workers).",
                 {.min = 0, .max = 1024});
  auto& lvl = s.declare_optional("system.log_level", config_type::string,
                                 "RINGACTOR_LOG, else warn",
                                 "Log level (apply with config::apply_log_level).");
  lvl.choices = {"debug", "info", "warn", "error", "off"};
  s.declare<dur>("system.worker_stall_timeout", d.worker_stall_timeout,
                 "Liveness: a worker in one job this long is reported stuck.", {.min = 1ms});
  auto& format = s.declare_optional("system.log_format", config_type::string,
                                    "RINGACTOR_LOG_FORMAT, else text",
                                    "Log line format: text, or json (one object per line).");
  format.choices = {"text", "json"};
  s.declare_optional("system.log_sample", config_type::integer, "RINGACTOR_LOG_SAMPLE, else 1",
                     "Log 1 in N of the per-message (sampled) events.")
    .min = config_value{i64{1}};
}

void declare_kernel(config_schema& s) {
  kernel_config d;
  s.declare_choice("kernel.backend", "automatic", {"automatic", "cpu", "cuda"},
                   "Where kernels run: cuda if a device and the CUDA backend exist (automatic).");
  power_of_two(s.declare<i64>("kernel.h2k_capacity", d.h2k_capacity, "Host-to-kernel ring slots.",
                              {.min = 2, .max = i64{1} << 24}));
  power_of_two(s.declare<i64>("kernel.k2h_capacity", d.k2h_capacity, "Kernel-to-host ring slots.",
                              {.min = 2, .max = i64{1} << 24}));
  auto& slot = s.declare<i64>("kernel.slot_size", d.slot_size,
                              "Bytes per ring slot; 0 takes the kernel's own slot_size.",
                              {.min = 0, .max = i64{1} << 20});
  slot.rule_text = "0 or a multiple of 64 >= 128";
  slot.rule = [](const config_value& x) -> std::string {
    auto n = std::get<i64>(x);
    return n == 0 || (n >= 128 && n % 64 == 0) ? "" : "0 or a multiple of 64 >= 128";
  };
  s.declare<i64>("kernel.grid.blocks", d.grid.blocks, "Blocks of a kernel's grid.",
                 {.min = 1, .max = 65535});
  s.declare<i64>("kernel.grid.threads", d.grid.threads, "Threads per block.",
                 {.min = 1, .max = 1024});
  s.declare_choice("kernel.mode", "persistent", {"persistent", "launch"},
                   "persistent: one long-running loop; launch: one launch per message.");
  s.declare<dur>("kernel.heartbeat_interval", d.heartbeat_interval,
                 "A running kernel's heartbeat advances at least this often.", {.min = 1us});
  s.declare<dur>("kernel.stall_timeout", d.stall_timeout,
                 "A heartbeat that stands still this long ends the actor as kernel_stalled "
                 "(longer than heartbeat_interval).",
                 {.min = 1us});
  s.declare<dur>("kernel.residency_timeout", d.residency_timeout,
                 "A kernel not running this long after launch is not_resident.", {.min = 1us});
  s.declare<i64>("kernel.device", d.device, "CUDA device index.", {.min = 0, .max = 1023});
  s.declare<i64>("kernel.spin_before_park", d.spin_before_park,
                 "CPU backend: empty polls of the H2K ring before the loop parks.",
                 {.min = 0, .max = (i64{1} << 32) - 1});
}

void declare_supervision(config_schema& s) {
  s.declare_choice("supervision.strategy", "one_for_one",
                   {"one_for_one", "one_for_all", "rest_for_one"},
                   "Restart strategy of supervisors and pools that name none.");
  s.declare<i64>("supervision.max_restarts", 3,
                 "Restart intensity: at most this many restarts within `within`.", {.min = 0});
  s.declare<dur>("supervision.within", dur{5s}, "Restart intensity window.", {.min = 1ms});
}

void declare_brokers(config_schema& s) {
  k2k::broker_config d;
  s.declare<i64>("brokers.*.max_hops", d.max_hops, "Broker-to-broker hops a message may make.",
                 {.min = 1, .max = 255});
  s.declare<i64>("brokers.*.queue_capacity", static_cast<i64>(d.queue_capacity),
                 "Messages that may wait in one endpoint's queue.", {.min = 1});
  s.declare<i64>("brokers.*.max_in_flight", static_cast<i64>(d.max_in_flight),
                 "Unconfirmed deliveries per endpoint.", {.min = 1});
  s.declare<dur>("brokers.*.delivery_timeout", d.delivery_timeout,
                 "A message not delivered and confirmed within this gets a timeout receipt.",
                 {.min = 1us});
  s.declare<i64>("brokers.*.receipt_retention", static_cast<i64>(d.receipt_retention),
                 "Receipts kept for lookup_receipt.", {.min = 0});
  power_of_two(s.declare<i64>("brokers.*.device_channel_capacity", d.device_channel_capacity,
                              "Slots of each device channel between two kernel endpoints.",
                              {.min = 2, .max = k2k::max_device_channel_capacity}));
}

void declare_pools(config_schema& s) {
  s.declare_optional("pools.*.kernel", config_type::string, "(one of kernel, actor)",
                     "Workers are kernels of this registered name (pool_factory_registry).");
  s.declare_optional("pools.*.actor", config_type::string, "(one of kernel, actor)",
                     "Workers are host actors of this registered name (pool_factory_registry).");
  s.declare<i64>("pools.*.size", 1, "Workers in the pool.", {.min = 1, .max = 65536});
  s.declare_choice("pools.*.dispatch", "round_robin",
                   {"round_robin", "least_loaded", "broadcast", "consistent_hash"},
                   "How the pool picks a worker for a request.");
  auto& strat = s.declare_optional("pools.*.strategy", config_type::string, "supervision.strategy",
                                   "The pool's restart strategy.");
  strat.choices = {"one_for_one", "one_for_all", "rest_for_one"};
  s.declare_optional("pools.*.max_restarts", config_type::integer, "supervision.max_restarts",
                     "The pool's restart intensity: restarts within `within`.")
    .min = config_value{i64{0}};
  s.declare_optional("pools.*.within", config_type::duration, "supervision.within",
                     "The pool's restart intensity window.")
    .min = config_value{dur{1ms}};
  s.declare<bool>("pools.*.idempotent", false,
                  "Re-dispatch a dead worker's requests to another worker.");
  s.declare<i64>("pools.*.max_redispatches", 2,
                 "Idempotent pools: re-dispatches of one request before worker_failed.",
                 {.min = 0});
  s.declare<i64>("pools.*.queue_capacity", 1024, "Requests queued while no worker is free.",
                 {.min = 1});
  s.declare<dur>("pools.*.queue_timeout", dur{1s}, "How long a request may wait in the queue.",
                 {.min = 1us});
  s.declare<i64>("pools.*.max_in_flight_per_worker", 0,
                 "Requests one worker may hold at a time (0: unlimited); the rest wait in "
                 "the pool's queue, where a cancellation takes them back.",
                 {.min = 0, .max = 1048576});
  s.declare<dur>("pools.*.worker_timeout", dur{30s}, "How long a worker may take for one request.",
                 {.min = 1us});
  s.declare<i64>("pools.*.min_live_workers", 1,
                 "Readiness: the pool is ready while at least this many workers are live.",
                 {.min = 0, .max = 65536});
}

} // namespace

config_schema runtime_schema() {
  config_schema s;
  declare_system(s);
  declare_kernel(s);
  declare_supervision(s);
  declare_brokers(s);
  declare_pools(s);
  return s;
}

} // namespace ringactor::telemetry
