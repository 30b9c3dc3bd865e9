// supervised_pool: a pool of workers behind one handle, supervised. A worker
// crashes; the pool restarts it and re-dispatches the requests it held, so
// every request is answered.
#include <ringactor/all.hpp>
#include <ringactor/supervision/all.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

using namespace ringactor;
using namespace std::chrono_literals;

struct square {
  int x;
};

using squarer = typed_actor<result<int>(square)>;

// A worker that crashes on the request for 13, once.
squarer::behavior_type worker(squarer::pointer, std::shared_ptr<std::atomic<bool>> armed) {
  return {[armed](square s) -> int {
    if (s.x == 13 && armed->exchange(false))
      throw std::runtime_error("unlucky number");
    return s.x * s.x;
  }};
}

int main() {
  set_log_level(log_level::error); // the crash is on purpose
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto armed = std::make_shared<std::atomic<bool>>(true);
  // One handle, of the workers' own interface, in front of three workers.
  squarer pool = sys.spawn(supervision::pool<squarer>{
    .size = 3,
    .factory = [armed](actor_system& s) { return s.spawn(worker, armed); },
    .strategy = supervision::one_for_one{.max_restarts = 5, .within = 10s},
    .dispatch = supervision::round_robin{},
    .idempotent = true}); // a dead worker's requests go to a live one
  scoped_actor self{sys};
  int sum = 0, errors = 0;
  for (int i = 1; i <= 20; ++i)
    self->request(pool, 5s, square{i})
      .receive([&](int y) { sum += y; }, [&](const error&) { ++errors; });
  auto st = self->request(actor_cast<actor>(pool), 5s, supervision::get_pool_stats{})
              .get<supervision::pool_stats>();
  fmt::print("sum of squares 1..20 = {} (errors: {})\n", sum, errors);
  if (st)
    fmt::print("pool: {} workers, {} restart(s), {} request(s) re-dispatched\n", st->workers.size(),
               st->restarts, st->redispatched);
}
