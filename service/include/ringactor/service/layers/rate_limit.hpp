// ringactor service: the rate-limit layer, token buckets. A bucket holds at
// most `burst` tokens and gains `rate` per second; each request takes one.
// A request that finds no token is answered 429 {"error":"rate_limited"}
// with Retry-After: the seconds (rounded up) until a token is there.
//
// There is a global bucket (global_rate; all requests share it) and one
// bucket per client key (rate; the client's address, its bearer token or a
// header's value, see rate_limit_options::key). A request needs a token
// from both and takes from neither when one is empty. Per-key buckets are
// bounded: past max_keys, the bucket used longest ago goes (its client then
// starts again with a full bucket).
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ringactor/service/middleware.hpp"

namespace ringactor::service {

struct rate_limit_options {
  /// Tokens per second of each client key's bucket; 0: no per-key limit.
  double rate = 0;
  /// Capacity of each client key's bucket (at least 1 when rate > 0).
  double burst = 0;
  /// What a client key is: "client" (the remote address), "bearer" (the
  /// Authorization: Bearer token) or "header:<name>" (that header's value,
  /// e.g. "header:X-Api-Key"). A request without it is keyed by address.
  std::string key = "client";
  /// Tokens per second of the global bucket; 0: no global limit.
  double global_rate = 0;
  /// Capacity of the global bucket (at least 1 when global_rate > 0).
  double global_burst = 0;
  /// Per-key buckets kept at most.
  std::size_t max_keys = 10'000;
};

/// The buckets of a rate limit, without HTTP (the layer's state; usable on
/// its own). Thread-safe.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  /// Throws std::invalid_argument for a negative rate, a burst below 1
  /// with a positive rate, max_keys 0 or an unknown key kind.
  explicit rate_limiter(rate_limit_options options);

  /// Takes a token for `key` at `now` from both buckets; when one is
  /// empty, takes none and returns the seconds until a token is there
  /// (rounded up, at least 1).
  std::optional<std::chrono::seconds> try_take(std::string_view key, clock::time_point now);

  /// The client key of a request (options.key).
  std::string key_of(const http_request& req) const;

  /// Per-key buckets held now (at most options.max_keys).
  std::size_t keys() const;

  const rate_limit_options& options() const noexcept { return options_; }

private:
  struct bucket {
    double tokens = 0;
    clock::time_point last;
  };
  using lru_list = std::list<std::pair<std::string, bucket>>;

  static void refill(bucket& b, double rate, double burst, clock::time_point now);

  rate_limit_options options_;
  mutable std::mutex mtx_;
  bucket global_; // guarded by mtx_
  // Most recently used first; index_ points into it. Both guarded by mtx_.
  lru_list lru_;
  std::unordered_map<std::string_view, lru_list::iterator> index_;
};

/// A rate-limit layer (above); throws as rate_limiter does.
layer rate_limit(rate_limit_options options);

} // namespace ringactor::service
