// test/service: a server binary built from the service library the way an
// application builds its own (server_app.hpp): the demo's adder, plus
// services the REST tests need:
//   [pools.x] actor = "sleeper"   answers a nap{ms} after sleeping ms
//                                 (the slow kernel of the timeout tests)
//   [pools.x] actor = "refuser"   answers every request with an error
//   [pools.x] actor = "no_worker" a sleeper pool resized to 0 workers (the
//                                 configuration asks for at least 1)
//   [pools.x] actor = "ticker"    a burst{count} sends `count` tick{n} (n
//                                 counting up from 1) to the topic "ticks"
//                                 and answers count; burst{count: -1} sends
//                                 one message of a type without a JSON form
//                                 (the topic refuses it)
//   [pools.x] actor = "resizer"   a resize{pool, size} resizes another pool
//                                 (pool_resize: the gRPC health tests stop
//                                 all its workers and restore them)
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "../../service/demo_services.hpp"
#include "ringactor/service/server_app.hpp"
#if RINGACTOR_HAS_GRPC
#  include "ringactor/service/grpc_front.hpp"
#endif

namespace rest_test {

struct nap {
  std::int32_t ms = 0;
};

template <class Inspector>
bool inspect(Inspector& f, nap& x) {
  return f.object(x).fields(f.field("ms", x.ms));
}
RINGACTOR_TYPE(nap, "rest_test.nap")

using sleeper_if = ringactor::typed_actor<ringactor::result<std::int32_t>(nap)>;

sleeper_if::behavior_type sleeper(sleeper_if::pointer) {
  return {[](nap m) -> std::int32_t {
    // Blocks one scheduler worker for a bounded time: the tests ask for
    // at most a few hundred milliseconds.
    std::this_thread::sleep_for(std::chrono::milliseconds{m.ms});
    return m.ms;
  }};
}

sleeper_if::behavior_type refuser(sleeper_if::pointer) {
  return {[](nap) -> ringactor::result<std::int32_t> {
    return ringactor::error{ringactor::sec::invalid_argument, "the refuser refuses"};
  }};
}

struct burst {
  std::int32_t count = 0;
};

template <class Inspector>
bool inspect(Inspector& f, burst& x) {
  return f.object(x).fields(f.field("count", x.count));
}
RINGACTOR_TYPE(burst, "rest_test.burst")

/// What the ticker publishes; the padding makes each event about 200 bytes,
/// so that a stalled client's socket buffers fill after a few hundred.
struct tick {
  std::int64_t n = 0;
  std::string pad;
};

template <class Inspector>
bool inspect(Inspector& f, tick& x) {
  return f.object(x).fields(f.field("n", x.n), f.field("pad", x.pad));
}
RINGACTOR_TYPE(tick, "rest_test.tick")

/// No stable name and no inspect(): a topic cannot publish it.
struct opaque {
  int x = 0;
};

using ticker_if = ringactor::typed_actor<ringactor::result<std::int32_t>(burst)>;

ticker_if::behavior_type ticker(ticker_if::stateful_pointer<std::int64_t> self,
                                ringactor::actor ticks) {
  return {[self, ticks](burst m) -> ringactor::result<std::int32_t> {
    if (!ticks)
      return ringactor::error{ringactor::sec::invalid_argument, "no topic 'ticks' configured"};
    if (m.count < 0) {
      ringactor::anon_send(ticks, opaque{});
      return m.count;
    }
    for (std::int32_t i = 0; i < m.count; ++i)
      ringactor::anon_send(ticks, tick{++self->state, std::string(160, 'x')});
    return m.count;
  }};
}

/// A request to a worker that may crash: `crash` makes its worker throw
/// (the actor dies with unhandled_exception and its pool restarts it).
struct work {
  std::int64_t n = 0;
  bool crash = false;
};

template <class Inspector>
bool inspect(Inspector& f, work& x) {
  return f.object(x).fields(f.field("n", x.n), f.field("crash", x.crash));
}
RINGACTOR_TYPE(work, "rest_test.work")

using crasher_if = ringactor::typed_actor<ringactor::result<std::int64_t>(work)>;

crasher_if::behavior_type crasher(crasher_if::pointer) {
  return {[](work m) -> std::int64_t {
    if (m.crash)
      throw std::runtime_error("crashed on request");
    return m.n;
  }};
}

/// Resizes the pool registered as `pool` to `size` workers.
struct resize {
  std::string pool;
  std::int32_t size = 0;

  /// For a pool's consistent_hash dispatch, which needs a key.
  std::size_t key() const { return std::hash<std::string>{}(pool); }
};

template <class Inspector>
bool inspect(Inspector& f, resize& x) {
  return f.object(x).fields(f.field("pool", x.pool), f.field("size", x.size));
}
RINGACTOR_TYPE(resize, "rest_test.resize")

using resizer_if = ringactor::typed_actor<ringactor::result<std::int32_t>(resize)>;

/// `reg` outlives the server's actors; it is complete once requests come.
resizer_if::behavior_type resizer(resizer_if::pointer, const ringactor::service::registry* reg) {
  return {[reg](resize m) -> ringactor::result<std::int32_t> {
    const auto* s = reg->find(m.pool);
    if (s == nullptr || m.size < 0)
      return ringactor::error{ringactor::sec::invalid_argument, "no such pool, or a negative size"};
    ringactor::anon_send(s->handle,
                         ringactor::supervision::pool_resize{static_cast<std::size_t>(m.size)});
    return m.size;
  }};
}

} // namespace rest_test

using namespace ringactor;

int main(int argc, char** argv) {
  return service::serve(
    argc, argv, "rest-test-server",
    [](actor_system& sys, const telemetry::config& cfg, service::registry& reg) -> expected<void> {
      for (auto& spec : cfg.pools) {
        auto demo = service::demo::add_demo_service(sys, cfg, spec, reg);
        if (!demo)
          return demo.error();
        if (*demo)
          continue;
        if (spec.type_name == "sleeper" || spec.type_name == "refuser"
            || spec.type_name == "no_worker") {
          bool refuses = spec.type_name == "refuser";
          auto p = spec.to_pool<rest_test::sleeper_if>([refuses](actor_system& s) {
            return refuses ? s.spawn(rest_test::refuser) : s.spawn(rest_test::sleeper);
          });
          if (spec.type_name == "no_worker")
            p.size = 0;
          auto pool = sys.spawn(std::move(p));
          reg.add<rest_test::sleeper_if>(spec.name, pool,
                                         {.backend = "host", .device = "", .description = ""});
          continue;
        }
        if (spec.type_name == "crasher") {
          auto pool = sys.spawn(spec.to_pool<rest_test::crasher_if>([](actor_system& s) {
            return s.spawn(rest_test::crasher);
          }));
          reg.add<rest_test::crasher_if>(spec.name, pool,
                                         {.backend = "host", .device = "", .description = ""});
          continue;
        }
        if (spec.type_name == "resizer") {
          auto pool = sys.spawn(spec.to_pool<rest_test::resizer_if>([&reg](actor_system& s) {
            return s.spawn(rest_test::resizer, &reg);
          }));
          reg.add<rest_test::resizer_if>(spec.name, pool,
                                         {.backend = "host", .device = "", .description = ""});
          continue;
        }
        if (spec.type_name == "ticker") {
          auto ticks = topics::of(sys).actor_of("ticks");
          auto pool = sys.spawn(spec.to_pool<rest_test::ticker_if>([ticks](actor_system& s) {
            return s.spawn(rest_test::ticker, ticks);
          }));
          reg.add<rest_test::ticker_if>(spec.name, pool,
                                        {.backend = "host", .device = "", .description = ""});
          continue;
        }
        return error{sec::invalid_argument, fmt::format("unknown type '{}'", spec.type_name)};
      }
      return {};
    },
#if RINGACTOR_HAS_GRPC
    {service::grpc_front_factory()}
#else
    {}
#endif
  );
}
