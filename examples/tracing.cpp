// tracing: one request followed through two actors by its W3C trace context.
// The program plays a service edge that received a `traceparent` header: it
// makes that the thread's context (trace_scope), sends a request, and every
// message made on the way (the request, the frontend's request to the
// backend, both replies) carries the same trace id. Each request is a new
// span, and each RINGACTOR_LOG line names the trace and the span.
//
//   RINGACTOR_LOG_FORMAT=json build/examples/tracing   # the same lines as JSON
#include <ringactor/all.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

using namespace ringactor;
using namespace std::chrono_literals;

struct lookup {
  std::string key;
};

/// What each hop saw: its actor's name and the trace context it ran in.
struct hops {
  std::vector<std::string> names;
  std::vector<trace_context> contexts;
};

int main() {
  set_log_level(log_level::info);
  actor_system sys{actor_system_config{}.set_workers(2)};

  auto backend = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](const lookup& x) {
      log_info("backend: looking up '{}'", x.key); // ends in trace=... span=...
      return hops{{"backend"}, {self->current_trace()}};
    }};
  });
  auto frontend = sys.spawn([backend](event_based_actor* self) -> behavior {
    return {[self, backend](const lookup& x) -> result<hops> {
      log_info("frontend: asking the backend for '{}'", x.key);
      auto rp = self->make_response_promise<hops>();
      auto mine = self->current_trace();
      self->request(backend, 5s, x).then([rp, mine](hops h) mutable {
        h.names.insert(h.names.begin(), "frontend");
        h.contexts.insert(h.contexts.begin(), mine);
        rp.deliver(std::move(h));
      });
      return rp;
    }};
  });

  // The header a caller sent (the W3C specification's example).
  auto incoming = trace_context::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  if (!incoming) {
    fmt::print("tracing: bad traceparent: {}\n", incoming.error());
    return 1;
  }
  trace_scope scope{*incoming}; // messages sent from this thread continue it

  scoped_actor self{sys};
  auto answer = self->request(frontend, 5s, lookup{"order-42"}).get<hops>();
  if (!answer) {
    fmt::print("tracing: request failed: {}\n", answer.error());
    return 1;
  }
  int in_trace = 0;
  for (std::size_t i = 0; i < answer->names.size(); ++i) {
    const auto& ctx = answer->contexts[i];
    bool same = ctx.trace_id_high() == incoming->trace_id_high()
                && ctx.trace_id_low() == incoming->trace_id_low();
    in_trace += same ? 1 : 0;
    fmt::print("{:<9} traceparent {}\n", answer->names[i], ctx);
  }
  // Each request was a child span: the frontend's differs from the caller's,
  // the backend's from the frontend's.
  bool new_spans = answer->contexts.size() == 2
                   && answer->contexts[0].span_id() != incoming->span_id()
                   && answer->contexts[1].span_id() != answer->contexts[0].span_id();
  fmt::print("tracing: {} of {} hops in trace {}, {}\n", in_trace, answer->names.size(),
             as_string_view(incoming->trace_id_hex()),
             new_spans ? "a new span per request" : "SPANS NOT NEW");
  return in_trace == 2 && new_spans ? 0 : 1;
}
