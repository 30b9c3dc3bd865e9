// ringactor service: the layers a configuration turns on
// (server_schema.hpp, use_configured_layers).
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ringactor/service/layers/access_log.hpp"
#include "ringactor/service/layers/bearer_auth.hpp"
#include "ringactor/service/layers/concurrency_limit.hpp"
#include "ringactor/service/layers/cors.hpp"
#include "ringactor/service/layers/rate_limit.hpp"
#include "ringactor/service/layers/request_timeout.hpp"
#include "ringactor/service/server_schema.hpp"

namespace ringactor::service {

using telemetry::duration;

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
    rate_limit_options rl;
    rl.rate = cfg.get<double>("rate_limit.rate");
    rl.burst = cfg.get<double>("rate_limit.burst");
    if (rl.burst == 0)
      rl.burst = std::max(1.0, std::ceil(rl.rate));
    rl.key = cfg.get<std::string>("rate_limit.key");
    rl.global_rate = cfg.get<double>("rate_limit.global_rate");
    rl.global_burst = cfg.get<double>("rate_limit.global_burst");
    if (rl.global_burst == 0)
      rl.global_burst = std::max(1.0, std::ceil(rl.global_rate));
    rl.max_keys = static_cast<std::size_t>(cfg.get<std::int64_t>("rate_limit.max_keys"));
    if (rl.rate > 0 || rl.global_rate > 0)
      layers.push_back(rate_limit(std::move(rl)));
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
    if (auto n = cfg.get<std::int64_t>("limits.max_concurrent"); n > 0)
      layers.push_back(concurrency_limit({static_cast<std::size_t>(n),
                                          std::chrono::duration_cast<std::chrono::seconds>(
                                            cfg.get<duration>("limits.retry_after"))}));
    if (auto t = cfg.get<duration>("http.request_timeout"); t > duration{0})
      layers.push_back(request_timeout(std::max(
        std::chrono::milliseconds{1}, std::chrono::duration_cast<std::chrono::milliseconds>(t))));
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
