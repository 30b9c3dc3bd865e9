// ringactor service: token-bucket rate limits (layers/rate_limit.hpp).
#include "ringactor/service/layers/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace ringactor::service {

rate_limiter::rate_limiter(rate_limit_options options) : options_(std::move(options)) {
  auto& o = options_;
  if (o.rate < 0 || o.global_rate < 0)
    throw std::invalid_argument{"rate_limit: a rate must not be negative"};
  if (o.rate > 0 && o.burst < 1)
    throw std::invalid_argument{
      fmt::format("rate_limit.burst: expected at least 1 with a rate, found {}", o.burst)};
  if (o.global_rate > 0 && o.global_burst < 1)
    throw std::invalid_argument{fmt::format(
      "rate_limit.global_burst: expected at least 1 with a global rate, found {}", o.global_burst)};
  if (o.max_keys == 0)
    throw std::invalid_argument{"rate_limit.max_keys: expected at least 1, found 0"};
  if (o.key != "client" && o.key != "bearer" && !(o.key.starts_with("header:") && o.key.size() > 7))
    throw std::invalid_argument{
      fmt::format("rate_limit.key: expected client, bearer or header:<name>, found '{}'", o.key)};
  global_ = {o.global_burst, clock::now()};
}

void rate_limiter::refill(bucket& b, double rate, double burst, clock::time_point now) {
  if (now > b.last) {
    b.tokens = std::min(burst,
                        b.tokens + rate * std::chrono::duration<double>(now - b.last).count());
    b.last = now;
  }
}

std::optional<std::chrono::seconds> rate_limiter::try_take(std::string_view key,
                                                           clock::time_point now) {
  auto wait_for = [](const bucket& b, double rate) {
    auto s = std::ceil((1.0 - b.tokens) / rate);
    return std::chrono::seconds{std::max<std::int64_t>(1, static_cast<std::int64_t>(s))};
  };
  std::lock_guard guard{mtx_};
  std::optional<std::chrono::seconds> refused;
  if (options_.global_rate > 0) {
    refill(global_, options_.global_rate, options_.global_burst, now);
    if (global_.tokens < 1)
      refused = wait_for(global_, options_.global_rate);
  }
  bucket* mine = nullptr;
  if (options_.rate > 0) {
    if (auto i = index_.find(key); i != index_.end()) {
      lru_.splice(lru_.begin(), lru_, i->second); // most recently used first
      mine = &lru_.front().second;
    } else {
      if (lru_.size() >= options_.max_keys) {
        index_.erase(lru_.back().first); // the bucket used longest ago goes
        lru_.pop_back();
      }
      lru_.emplace_front(std::string{key}, bucket{options_.burst, now});
      index_.emplace(lru_.front().first, lru_.begin());
      mine = &lru_.front().second;
    }
    refill(*mine, options_.rate, options_.burst, now);
    if (mine->tokens < 1)
      refused = std::max(refused.value_or(std::chrono::seconds{0}), wait_for(*mine, options_.rate));
  }
  if (refused)
    return refused;
  if (options_.global_rate > 0)
    global_.tokens -= 1;
  if (mine != nullptr)
    mine->tokens -= 1;
  return std::nullopt;
}

std::string rate_limiter::key_of(const http_request& req) const {
  std::string_view k;
  if (options_.key == "bearer") {
    auto auth = req.header("Authorization");
    if (auth.size() > 7 && auth.substr(0, 7) == "Bearer ")
      k = auth.substr(7);
  } else if (options_.key != "client") {
    k = req.header(std::string_view{options_.key}.substr(7));
  }
  // Keys of different kinds never meet: "a:" for addresses, "k:" for the rest.
  return k.empty() ? "a:" + req.remote_address : "k:" + std::string{k};
}

std::size_t rate_limiter::keys() const {
  std::lock_guard guard{mtx_};
  return lru_.size();
}

layer rate_limit(rate_limit_options options) {
  auto limiter = std::make_shared<rate_limiter>(std::move(options));
  return [limiter](const http_request& req, responder answer, next_layer next) {
    if (auto wait = limiter->try_take(limiter->key_of(req), rate_limiter::clock::now())) {
      auto res = http_response::error(
        429, "rate_limited", fmt::format("too many requests; retry in {}s", wait->count()));
      res.headers.emplace_back("Retry-After", std::to_string(wait->count()));
      answer(std::move(res));
      return;
    }
    next(std::move(answer));
  };
}

} // namespace ringactor::service
