// Trace context propagation: every message made inside a handler carries
// the trace of the message being handled (a request a child span of it, a
// reply the request's own); outside handlers, the thread's trace_scope.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ringactor/all.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace std::chrono_literals;
using test_util::eventually;

namespace {

struct trace_where {}; // answered with the handler's trace context
struct ask_next {};    // a request that the receiver passes on as a request
struct tell_next {};   // an asynchronous message passed on with send
struct pass_on {};     // a request that the receiver delegates
struct trace_hold {};  // answered later, through a response promise
struct release {};     // delivers the held promise (while handling itself)

/// Answers `trace_where` with its current trace.
behavior reporter(event_based_actor* self) {
  return {[self](trace_where) { return self->current_trace(); }};
}

bool same_trace(const trace_context& x, const trace_context& y) {
  return x.trace_id_high() == y.trace_id_high() && x.trace_id_low() == y.trace_id_low();
}

/// The last trace contexts a `recorder` saw.
struct seen_traces {
  std::mutex mtx;
  std::vector<trace_context> values;
  void add(const trace_context& x) {
    std::lock_guard guard{mtx};
    values.push_back(x);
  }
  std::vector<trace_context> get() {
    std::lock_guard guard{mtx};
    return values;
  }
};

} // namespace

TEST_SUITE_BEGIN("libactor");

TEST_CASE("a request from a trace scope reaches its handler as a child span of the scope") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn(reporter);
  scoped_actor self{sys};
  auto root = trace_context::make_root();
  trace_scope scope{root};
  auto seen = self->request(a, 5s, trace_where{}).get<trace_context>();
  REQUIRE(seen);
  CHECK(seen->valid());
  CHECK(same_trace(*seen, root));
  CHECK(seen->span_id() != root.span_id());
  CHECK(seen->flags() == root.flags());
}

TEST_CASE("a message sent outside any handler and trace scope carries no trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = sys.spawn(reporter);
  scoped_actor self{sys};
  auto seen = self->request(a, 5s, trace_where{}).get<trace_context>();
  REQUIRE(seen);
  CHECK_FALSE(seen->valid());
  { trace_scope scope{trace_context::make_root()}; }
  // The scope ended: untraced again.
  seen = self->request(a, 5s, trace_where{}).get<trace_context>();
  REQUIRE(seen);
  CHECK_FALSE(seen->valid());
}

TEST_CASE("a request made inside a handler is a child span of the message being handled") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto last = sys.spawn(reporter);
  // Answers ask_next with (its own trace, what `last` saw, the trace of the
  // reply from `last` as its response handler sees it).
  using triple = std::vector<trace_context>;
  auto middle = sys.spawn([last](event_based_actor* self) -> behavior {
    return {[self, last](ask_next) -> result<triple> {
      auto rp = self->make_response_promise<triple>();
      auto mine = self->current_trace();
      self->request(last, 5s, trace_where{}).then([self, rp, mine](trace_context& theirs) mutable {
        rp.deliver(triple{mine, theirs, self->current_trace()});
      });
      return rp;
    }};
  });
  scoped_actor self{sys};
  auto root = trace_context::make_root();
  trace_scope scope{root};
  auto seen = self->request(middle, 5s, ask_next{}).get<triple>();
  REQUIRE(seen);
  REQUIRE(seen->size() == 3);
  auto mine = (*seen)[0];
  auto theirs = (*seen)[1];
  auto reply = (*seen)[2];
  CHECK(same_trace(mine, root));
  CHECK(same_trace(theirs, root));
  CHECK(mine.span_id() != root.span_id());
  CHECK(theirs.span_id() != mine.span_id()); // a child of the middle's span
  CHECK(theirs.span_id() != root.span_id());
  CHECK(reply == theirs); // the reply keeps the request's context
}

TEST_CASE("a message sent from a handler continues the trace of the message being handled") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  seen_traces seen;
  auto last = sys.spawn([&seen](event_based_actor* self) -> behavior {
    return {[&seen, self](tell_next) { seen.add(self->current_trace()); }};
  });
  auto middle = sys.spawn([last](event_based_actor* self) -> behavior {
    return {[self, last](tell_next) { self->send(last, tell_next{}); }};
  });
  scoped_actor self{sys};
  auto root = trace_context::make_root();
  {
    trace_scope scope{root};
    self->send(middle, tell_next{});
  }
  REQUIRE(eventually([&] { return !seen.get().empty(); }));
  // Asynchronous messages are no new spans: the same context all the way.
  CHECK(seen.get().front() == root);
}

TEST_CASE("a delegated request reaches its new receiver with the request's trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto last = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](pass_on) { return self->current_trace(); }};
  });
  seen_traces at_middle;
  auto middle = sys.spawn([last, &at_middle](event_based_actor* self) -> behavior {
    return {[self, last, &at_middle](pass_on p) {
      at_middle.add(self->current_trace());
      return self->delegate(last, p);
    }};
  });
  scoped_actor self{sys};
  trace_scope scope{trace_context::make_root()};
  auto seen = self->request(middle, 5s, pass_on{}).get<trace_context>();
  REQUIRE(seen);
  REQUIRE(at_middle.get().size() == 1);
  CHECK(seen->valid());
  CHECK(*seen == at_middle.get().front());
}

TEST_CASE("a response promise delivered from another handler answers within the request's trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  std::atomic<int> holding{0};
  // Holds `trace_hold` requests; `release` delivers them while handling itself.
  auto holder = sys.spawn([&holding](event_based_actor* self) -> behavior {
    auto held = std::make_shared<std::vector<typed_response_promise<trace_context>>>();
    return {
      [self, held, &holding](trace_hold) -> result<trace_context> {
        held->push_back(self->make_response_promise<trace_context>());
        ++holding;
        return held->back();
      },
      [self, held](release) {
        for (auto& rp : *held)
          rp.deliver(self->current_trace());
        held->clear();
      },
    };
  });
  // Requests `trace_hold` and answers with (the holder's trace when it delivered,
  // the trace of the reply as the client's response handler sees it).
  using pair = std::vector<trace_context>;
  auto client = sys.spawn([holder](event_based_actor* self) -> behavior {
    return {[self, holder](trace_hold h) -> result<pair> {
      auto rp = self->make_response_promise<pair>();
      self->request(holder, 5s, h).then([self, rp](trace_context& at_holder) mutable {
        rp.deliver(pair{at_holder, self->current_trace()});
      });
      return rp;
    }};
  });
  scoped_actor self{sys};
  auto traced = trace_context::make_root();
  auto other = trace_context::make_root();
  std::optional<decltype(self->request(client, 5s, trace_hold{}))> h;
  {
    trace_scope scope{traced};
    h.emplace(self->request(client, 5s, trace_hold{}));
  }
  REQUIRE(eventually([&] { return holding.load() == 1; }));
  {
    trace_scope scope{other};
    self->send(holder, release{});
  }
  auto seen = h->get<pair>();
  REQUIRE(seen);
  REQUIRE(seen->size() == 2);
  auto at_holder = (*seen)[0];
  auto reply = (*seen)[1];
  CHECK(at_holder == other); // `release` came from the other scope
  CHECK(same_trace(reply, traced));
  CHECK_FALSE(same_trace(reply, other));
}

TEST_CASE("a request to an invalid handle is answered with dead_receiver within its trace") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  actor nobody;
  // Requests from a handler to nobody; answers with the trace the error
  // arrives with and the span the request had.
  auto client = sys.spawn([nobody](event_based_actor* self) -> behavior {
    return {[self, nobody](trace_where) -> result<std::vector<trace_context>> {
      auto rp = self->make_response_promise<std::vector<trace_context>>();
      auto mine = self->current_trace();
      self->request(nobody, 5s, trace_where{})
        .then([](trace_context&) {},
              [self, rp, mine](const error& err) mutable {
                CHECK(err == sec::dead_receiver);
                rp.deliver(std::vector<trace_context>{mine, self->current_trace()});
              });
      return rp;
    }};
  });
  scoped_actor self{sys};
  auto root = trace_context::make_root();
  trace_scope scope{root};
  auto seen = self->request(client, 5s, trace_where{}).get<std::vector<trace_context>>();
  REQUIRE(seen);
  REQUIRE(seen->size() == 2);
  CHECK(same_trace((*seen)[1], root));
  CHECK((*seen)[1].span_id() != (*seen)[0].span_id()); // the failed request's span
}

TEST_CASE("a log line written inside a traced handler names the trace and span ids") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  std::mutex mtx;
  std::vector<std::string> lines;
  auto restore_level = current_log_level();
  set_log_level(log_level::info);
  // The sink runs on the logging thread: it formats the line as stderr
  // would see it, with that thread's trace.
  set_log_sink([&](log_level lvl, std::string_view msg) {
    auto json = ringactor::detail::format_log_line(log_format::json, lvl, msg);
    auto text = ringactor::detail::format_log_line(log_format::text, lvl, msg);
    std::lock_guard guard{mtx};
    lines.push_back(json);
    lines.push_back(text);
  });
  auto a = sys.spawn([](event_based_actor* self) -> behavior {
    return {[self](trace_where) {
      log_info("handling where");
      return self->current_trace();
    }};
  });
  scoped_actor self{sys};
  auto root = trace_context::make_root();
  expected<trace_context> seen = trace_context{};
  {
    trace_scope scope{root};
    seen = self->request(a, 5s, trace_where{}).get<trace_context>();
  }
  auto untraced = self->request(a, 5s, trace_where{}).get<trace_context>();
  set_log_sink(nullptr);
  set_log_level(restore_level);
  REQUIRE(seen);
  REQUIRE(untraced);
  std::lock_guard guard{mtx};
  REQUIRE(lines.size() == 4);
  auto trace_id = std::string{as_string_view(seen->trace_id_hex())};
  auto span_id = std::string{as_string_view(seen->span_id_hex())};
  CHECK_MESSAGE(lines[0].find(R"("trace_id":")" + trace_id + R"(","span_id":")" + span_id
                              + R"(","message":"handling where"})")
                  != std::string::npos,
                lines[0]);
  CHECK(lines[1] == "[ringactor info] handling where trace=" + trace_id + " span=" + span_id);
  // Untraced: no trace fields at all.
  CHECK(lines[2].find("trace_id") == std::string::npos);
  CHECK(lines[2].find("span_id") == std::string::npos);
  CHECK(lines[3] == "[ringactor info] handling where");
}
