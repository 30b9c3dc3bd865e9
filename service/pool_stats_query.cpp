// ringactor service: asking pools for their statistics (pool_stats_query.hpp).
#include "pool_stats_query.hpp"

#include <memory>

#include <ringactor/supervision/errors.hpp>

namespace ringactor::service::detail {

using supervision::pool_stats;

void gather_stats(actor_system& sys, std::vector<actor> pools, std::chrono::milliseconds timeout,
                  std::function<void(std::vector<expected<pool_stats>>)> done) {
  if (pools.empty()) {
    done({});
    return;
  }
  struct state {
    std::vector<expected<pool_stats>> results;
    std::size_t pending = 0; // only the gathering actor touches it
    std::function<void(std::vector<expected<pool_stats>>)> done;
  };
  auto st = std::make_shared<state>();
  st->results.assign(pools.size(), error{sec::runtime_error, "no answer"});
  st->pending = pools.size();
  st->done = std::move(done);
  sys.spawn([st, pools = std::move(pools), timeout](event_based_actor* self) {
    for (std::size_t i = 0; i < pools.size(); ++i) {
      auto finish = [st, i](expected<pool_stats> x) {
        st->results[i] = std::move(x);
        if (--st->pending == 0)
          st->done(std::move(st->results));
      };
      self->request(pools[i], timeout, supervision::get_pool_stats{})
        .then([finish](pool_stats& x) mutable { finish(std::move(x)); },
              [finish](const error& err) mutable { finish(err); });
    }
  });
}

} // namespace ringactor::service::detail
