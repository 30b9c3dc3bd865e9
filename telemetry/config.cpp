// ringactor telemetry: the runtime's settings from validated keys.
#include "ringactor/telemetry/config.hpp"

#include <set>

#include <fmt/format.h>

namespace ringactor::telemetry {

namespace {

using entry_map = std::map<std::string, config_entry, std::less<>>;

// The names of the tables under `prefix` ("pools." -> {"db", "web"}).
std::set<std::string> instance_names(const entry_map& entries,
                                     const std::vector<std::string>& instances,
                                     std::string_view prefix) {
  std::set<std::string> out;
  auto add = [&](std::string_view path) {
    if (!path.starts_with(prefix))
      return;
    auto rest = path.substr(prefix.size());
    out.emplace(rest.substr(0, rest.find('.')));
  };
  for (const auto& [path, e] : entries)
    add(path);
  for (const auto& path : instances)
    add(path);
  return out;
}

class reader {
public:
  explicit reader(const config& cfg) : cfg_(cfg) {}

  template <class T>
  T get_or(std::string_view path, T fallback) const {
    if (auto e = cfg_.find(path))
      if (auto ptr = std::get_if<T>(&e->value))
        return *ptr;
    return fallback;
  }

  std::size_t size(std::string_view path, std::size_t fallback) const {
    return static_cast<std::size_t>(get_or<std::int64_t>(path,
                                                         static_cast<std::int64_t>(fallback)));
  }

private:
  const config& cfg_;
};

supervision::strategy make_strategy(std::string_view name, std::size_t max_restarts,
                                    duration within) {
  if (name == "one_for_all")
    return supervision::one_for_all{.max_restarts = max_restarts, .within = within};
  if (name == "rest_for_one")
    return supervision::rest_for_one{.max_restarts = max_restarts, .within = within};
  return supervision::one_for_one{.max_restarts = max_restarts, .within = within};
}

supervision::dispatch_policy make_dispatch(std::string_view name) {
  if (name == "least_loaded")
    return supervision::least_loaded{};
  if (name == "broadcast")
    return supervision::broadcast{};
  if (name == "consistent_hash")
    return supervision::consistent_hash{};
  return supervision::round_robin{};
}

} // namespace

std::string_view to_string(config_origin x) noexcept {
  switch (x) {
    case config_origin::default_value: return "default";
    case config_origin::file: return "file";
    case config_origin::environment: return "environment";
    case config_origin::command_line: return "command line";
  }
  return "unknown";
}

const config_entry* config::find(std::string_view path) const noexcept {
  auto i = entries_.find(path);
  return i == entries_.end() ? nullptr : &i->second;
}

const config_entry& config::entry(std::string_view path) const {
  if (auto e = find(path))
    return *e;
  throw std::out_of_range(fmt::format("configuration key \"{}\" is not set", path));
}

std::string config::type_mismatch(std::string_view path, config_type wanted) const {
  return fmt::format("configuration key \"{}\" is a {}, not a {}", path,
                     to_string(type_of(entry(path).value)), to_string(wanted));
}

void config::apply_log_level() const {
  if (log_level)
    set_log_level(*log_level);
  if (log_format)
    set_log_format(*log_format);
  if (log_sample)
    set_log_sample_every(*log_sample);
}

config config::from_entries(entry_map entries, const std::vector<std::string>& instances) {
  config cfg;
  cfg.entries_ = std::move(entries);
  reader r{cfg};
  // [system]
  auto& sys = cfg.system;
  sys.set_workers(r.size("system.workers", sys.workers));
  sys.set_max_throughput(r.size("system.max_throughput", sys.max_throughput));
  sys.set_idle_spin(r.get_or<duration>("system.idle_spin", sys.idle_spin));
  sys.set_idle_yield(r.get_or<bool>("system.idle_yield", sys.idle_yield));
  sys.set_shutdown_grace(r.get_or<duration>("system.shutdown_grace", sys.shutdown_grace));
  sys.set_max_inline_init_depth(r.size("system.max_inline_init_depth", sys.max_inline_init_depth));
  sys.set_worker_stall_timeout(r.get_or<duration>("system.worker_stall_timeout",
                                                  sys.worker_stall_timeout));
  if (auto e = cfg.find("system.log_level"))
    cfg.log_level = parse_log_level(std::get<std::string>(e->value));
  if (auto e = cfg.find("system.log_format"))
    cfg.log_format = parse_log_format(std::get<std::string>(e->value));
  if (auto e = cfg.find("system.log_sample"))
    cfg.log_sample = static_cast<std::size_t>(std::get<std::int64_t>(e->value));
  // [kernel]
  auto& k = cfg.kernel_defaults;
  auto backend = r.get_or<std::string>("kernel.backend", "automatic");
  k.backend = backend == "cpu"    ? kernel_backend::cpu
              : backend == "cuda" ? kernel_backend::cuda
                                  : kernel_backend::automatic;
  k.h2k_capacity = static_cast<std::uint32_t>(r.size("kernel.h2k_capacity", k.h2k_capacity));
  k.k2h_capacity = static_cast<std::uint32_t>(r.size("kernel.k2h_capacity", k.k2h_capacity));
  k.slot_size = static_cast<std::uint32_t>(r.size("kernel.slot_size", k.slot_size));
  k.grid.blocks = static_cast<std::uint32_t>(r.size("kernel.grid.blocks", k.grid.blocks));
  k.grid.threads = static_cast<std::uint32_t>(r.size("kernel.grid.threads", k.grid.threads));
  k.mode = r.get_or<std::string>("kernel.mode", "persistent") == "launch" ? loop_mode::launch
                                                                          : loop_mode::persistent;
  k.heartbeat_interval = r.get_or<duration>("kernel.heartbeat_interval", k.heartbeat_interval);
  k.stall_timeout = r.get_or<duration>("kernel.stall_timeout", k.stall_timeout);
  k.residency_timeout = r.get_or<duration>("kernel.residency_timeout", k.residency_timeout);
  k.device = static_cast<int>(r.size("kernel.device", static_cast<std::size_t>(k.device)));
  k.spin_before_park = static_cast<std::uint32_t>(r.size("kernel.spin_before_park",
                                                         k.spin_before_park));
  // [supervision]
  auto sup_strategy = r.get_or<std::string>("supervision.strategy", "one_for_one");
  auto sup_restarts = r.size("supervision.max_restarts", 3);
  auto sup_within = r.get_or<duration>("supervision.within", std::chrono::seconds{5});
  cfg.supervision_defaults = make_strategy(sup_strategy, sup_restarts, sup_within);
  // [brokers.<name>]
  for (const auto& name : instance_names(cfg.entries_, instances, "brokers.")) {
    auto key = [&](std::string_view x) { return fmt::format("brokers.{}.{}", name, x); };
    k2k::broker_config b;
    b.name = name;
    b.max_hops = static_cast<std::uint32_t>(r.size(key("max_hops"), b.max_hops));
    b.queue_capacity = r.size(key("queue_capacity"), b.queue_capacity);
    b.max_in_flight = r.size(key("max_in_flight"), b.max_in_flight);
    b.delivery_timeout = r.get_or<duration>(key("delivery_timeout"), b.delivery_timeout);
    b.receipt_retention = r.size(key("receipt_retention"), b.receipt_retention);
    b.device_channel_capacity = static_cast<std::uint32_t>(r.size(key("device_channel_capacity"),
                                                                  b.device_channel_capacity));
    cfg.brokers.emplace(name, std::move(b));
  }
  // [pools.<name>]
  for (const auto& name : instance_names(cfg.entries_, instances, "pools.")) {
    auto key = [&](std::string_view x) { return fmt::format("pools.{}.{}", name, x); };
    pool_spec p;
    p.name = name;
    if (auto e = cfg.find(key("kernel"))) {
      p.kind = worker_kind::kernel;
      p.type_name = std::get<std::string>(e->value);
    } else {
      p.kind = worker_kind::actor;
      p.type_name = r.get_or<std::string>(key("actor"), "");
    }
    p.size = r.size(key("size"), p.size);
    p.dispatch = make_dispatch(r.get_or<std::string>(key("dispatch"), "round_robin"));
    p.strategy = make_strategy(r.get_or<std::string>(key("strategy"), sup_strategy),
                               r.size(key("max_restarts"), sup_restarts),
                               r.get_or<duration>(key("within"), sup_within));
    p.idempotent = r.get_or<bool>(key("idempotent"), p.idempotent);
    p.max_redispatches = r.size(key("max_redispatches"), p.max_redispatches);
    p.queue_capacity = r.size(key("queue_capacity"), p.queue_capacity);
    p.queue_timeout = r.get_or<duration>(key("queue_timeout"), p.queue_timeout);
    p.max_in_flight_per_worker = r.size(key("max_in_flight_per_worker"),
                                        p.max_in_flight_per_worker);
    p.worker_timeout = r.get_or<duration>(key("worker_timeout"), p.worker_timeout);
    p.min_live_workers = r.size(key("min_live_workers"), p.min_live_workers);
    cfg.pools.push_back(std::move(p));
  }
  return cfg;
}

} // namespace ringactor::telemetry
