// ringactor service: the layers a configuration turns on
// (server_schema.hpp, use_configured_layers), server-wide and per route
// prefix ([routes.NAME]).
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ringactor/service/layers/access_log.hpp"
#include "ringactor/service/layers/bearer_auth.hpp"
#include "ringactor/service/layers/concurrency_limit.hpp"
#include "ringactor/service/layers/cors.hpp"
#include "ringactor/service/layers/rate_limit.hpp"
#include "ringactor/service/layers/request_timeout.hpp"
#include "ringactor/service/layers/route_prefix.hpp"
#include "ringactor/service/server_schema.hpp"

namespace ringactor::service {

using telemetry::duration;
using telemetry::value_range;

namespace {

std::chrono::milliseconds to_ms(duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

/// The rate limit of `table` ("rate_limit" or "routes.NAME": its rate,
/// burst, global_rate and global_burst) with [rate_limit]'s key and
/// max_keys; none when neither rate is set.
std::optional<layer> configured_rate_limit(const telemetry::config& cfg, const std::string& table) {
  rate_limit_options rl;
  rl.rate = cfg.get<double>(table + ".rate");
  rl.burst = cfg.get<double>(table + ".burst");
  if (rl.burst == 0)
    rl.burst = std::max(1.0, std::ceil(rl.rate));
  rl.key = cfg.get<std::string>("rate_limit.key");
  rl.global_rate = cfg.get<double>(table + ".global_rate");
  rl.global_burst = cfg.get<double>(table + ".global_burst");
  if (rl.global_burst == 0)
    rl.global_burst = std::max(1.0, std::ceil(rl.global_rate));
  rl.max_keys = static_cast<std::size_t>(cfg.get<std::int64_t>("rate_limit.max_keys"));
  if (rl.rate > 0 || rl.global_rate > 0)
    return rate_limit(std::move(rl));
  return std::nullopt;
}

/// The concurrency limit of `max_concurrent` and the queue keys `queue`
/// and `queue_timeout` (of [limits] or a [routes.NAME] table); none for 0.
std::optional<layer> configured_concurrency_limit(const telemetry::config& cfg,
                                                  const std::string& max_key,
                                                  const std::string& queue_key,
                                                  const std::string& timeout_key) {
  auto n = cfg.get<std::int64_t>(max_key);
  if (n == 0)
    return std::nullopt;
  return concurrency_limit(
    {.max_in_flight = static_cast<std::size_t>(n),
     .retry_after = std::chrono::duration_cast<std::chrono::seconds>(
       cfg.get<duration>("limits.retry_after")),
     .max_waiting = static_cast<std::size_t>(cfg.get<std::int64_t>(queue_key)),
     .queue_timeout = std::max(std::chrono::milliseconds{1},
                               to_ms(cfg.get<duration>(timeout_key)))});
}

std::optional<layer> configured_request_timeout(const telemetry::config& cfg,
                                                const std::string& key) {
  if (auto t = cfg.get<duration>(key); t > duration{0})
    return request_timeout(std::max(std::chrono::milliseconds{1}, to_ms(t)));
  return std::nullopt;
}

/// The names of the [routes.NAME] tables, in name order.
std::set<std::string> route_names(const telemetry::config& cfg) {
  std::set<std::string> out;
  for (auto& [path, e] : cfg.entries()) {
    std::string_view p = path;
    if (!p.starts_with("routes."))
      continue;
    p.remove_prefix(7);
    out.emplace(p.substr(0, p.find('.')));
  }
  return out;
}

/// The layers of each [routes.NAME] table, each behind its prefix.
expected<std::vector<layer>> configured_route_layers(const telemetry::config& cfg) {
  std::vector<layer> out;
  for (auto& name : route_names(cfg)) {
    auto table = "routes." + name;
    const auto* prefix = cfg.find(table + ".prefix");
    if (prefix == nullptr)
      return error{sec::invalid_argument,
                   fmt::format("{}.prefix: missing; a [{}] table needs the path prefix "
                               "its limits apply to (e.g. prefix = \"/kernels/{}\")",
                               table, table, name)};
    std::vector<layer> layers;
    if (auto l = configured_rate_limit(cfg, table))
      layers.push_back(std::move(*l));
    if (auto l = configured_concurrency_limit(cfg, table + ".max_concurrent", table + ".queue",
                                              table + ".queue_timeout"))
      layers.push_back(std::move(*l));
    if (auto l = configured_request_timeout(cfg, table + ".request_timeout"))
      layers.push_back(std::move(*l));
    if (layers.empty())
      return error{sec::invalid_argument,
                   fmt::format("{}: sets no limit; give it request_timeout, max_concurrent, "
                               "rate or global_rate",
                               table)};
    out.push_back(under_prefix(std::get<std::string>(prefix->value), std::move(layers)));
  }
  return out;
}

} // namespace

void declare_route_keys(telemetry::config_schema& s) {
  auto& prefix = s.declare_optional("routes.*.prefix", telemetry::config_type::string, "(required)",
                                    "the path prefix whose routes get this table's layers, in "
                                    "addition to the server's (\"/kernels/slow\" covers "
                                    "/kernels/slow/..., not /kernels/slower)");
  prefix.rule = [](const telemetry::config_value& v) -> std::string {
    return std::get<std::string>(v).starts_with('/') ? "" : "a path that starts with '/'";
  };
  prefix.rule_text = "starts with '/'";
  s.declare<duration>("routes.*.request_timeout", duration{0},
                      "504 timeout past it on these routes (0: the server's only)",
                      value_range<duration>{duration{0}, {}});
  s.declare<std::int64_t>("routes.*.max_concurrent", 0,
                          "requests on these routes at once at most; more wait in the queue or "
                          "get 503 shedding (0: no limit of their own)",
                          value_range<std::int64_t>{0, 1'000'000});
  s.declare<std::int64_t>("routes.*.queue", 0,
                          "requests on these routes that may wait for a slot (0: none)",
                          value_range<std::int64_t>{0, 1'000'000});
  s.declare<duration>("routes.*.queue_timeout", duration{std::chrono::seconds{1}},
                      "how long one may wait for a slot, then 503 shedding",
                      value_range<duration>{duration{std::chrono::milliseconds{1}}, {}});
  s.declare<double>("routes.*.rate", 0.0,
                    "requests per second per client key on these routes (0: none)",
                    value_range<double>{0.0, {}});
  s.declare<double>("routes.*.burst", 0.0, "requests a client key may make at once (0: the rate)",
                    value_range<double>{0.0, {}});
  s.declare<double>("routes.*.global_rate", 0.0,
                    "requests per second on these routes of all clients together (0: none)",
                    value_range<double>{0.0, {}});
  s.declare<double>("routes.*.global_burst", 0.0,
                    "requests all clients may make at once on these routes (0: the global rate)",
                    value_range<double>{0.0, {}});
}

expected<std::vector<layer>> configured_layers(const telemetry::config& cfg) {
  std::vector<layer> layers;
  try {
    if (cfg.get<bool>("http.access_log"))
      layers.push_back(access_log());
    if (auto origins = split_list(cfg.get<std::string>("cors.origins")); !origins.empty()) {
      cors_options o;
      o.origins = std::move(origins);
      o.max_age = std::chrono::duration_cast<std::chrono::seconds>(
        cfg.get<duration>("cors.max_age"));
      layers.push_back(cors(std::move(o)));
    }
    if (auto l = configured_rate_limit(cfg, "rate_limit"))
      layers.push_back(std::move(*l));
    auto tokens = parse_bearer_tokens(cfg.get<std::string>("auth.tokens"));
    if (!tokens)
      return tokens.error();
    if (auto var = cfg.get<std::string>("auth.tokens_env"); !var.empty()) {
      auto* text = std::getenv(var.c_str());
      if (text == nullptr)
        return error{sec::invalid_argument,
                     fmt::format("auth.tokens_env: the variable {} is not set", var)};
      auto more = parse_bearer_tokens(text);
      if (!more)
        return error{sec::invalid_argument,
                     fmt::format("{} (from auth.tokens_env {})", to_string(more.error()), var)};
      tokens->insert(tokens->end(), more->begin(), more->end());
    }
    if (!tokens->empty()) {
      bearer_auth_options o;
      o.tokens = std::move(*tokens);
      o.open_paths = split_list(cfg.get<std::string>("auth.open_paths"));
      layers.push_back(bearer_auth(std::move(o)));
    }
    if (auto l = configured_concurrency_limit(cfg, "limits.max_concurrent", "limits.queue",
                                              "limits.queue_timeout"))
      layers.push_back(std::move(*l));
    if (auto l = configured_request_timeout(cfg, "http.request_timeout"))
      layers.push_back(std::move(*l));
    // The routes' own layers run after the server's (so a request the
    // server sheds never takes a route's slot).
    auto routes = configured_route_layers(cfg);
    if (!routes)
      return routes.error();
    for (auto& l : *routes)
      layers.push_back(std::move(l));
  } catch (const std::exception& e) {
    return error{sec::invalid_argument, e.what()};
  }
  return layers;
}

expected<void> use_configured_layers(http_server& server, const telemetry::config& cfg) {
  auto layers = configured_layers(cfg);
  if (!layers)
    return layers.error();
  for (auto& l : *layers)
    server.use(std::move(l));
  return {};
}

} // namespace ringactor::service
