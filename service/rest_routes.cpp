// ringactor service: the REST routes over a service registry
// (rest_routes.hpp).
#include "ringactor/service/rest_routes.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include <ringactor/json/json_text.hpp>
#include <ringactor/logger.hpp>
#include <ringactor/supervision/errors.hpp>
#include <ringactor/supervision/pool_stats.hpp>

#include "pool_stats_query.hpp"

namespace ringactor::service {

namespace {

using detail::gather_stats;
using supervision::pool_stats;

bool is(const error& err, std::error_code code) {
  return err.code() == code;
}

/// The field path of a wire error's context "type: path: at /ptr: what",
/// or empty when the error is not at a field.
std::string field_of(std::string_view context) {
  auto first = context.find(": ");
  if (first == std::string_view::npos)
    return {};
  auto rest = context.substr(first + 2);
  if (rest.starts_with("at "))
    return {};
  auto end = rest.find(": ");
  return std::string{rest.substr(0, end)};
}

void append_string(std::string& out, std::string_view text) {
  if (wire::append_json_string(out, text) != text.size())
    out += "\"(not valid UTF-8)\"";
}

/// The statistics of a pool (or null and why not) as JSON members.
void append_stats(std::string& out, const expected<pool_stats>& st, bool workers) {
  if (!st) {
    out += ",\"pool\":null,\"pool_error\":";
    append_string(out, to_string(st.error()));
    return;
  }
  std::size_t live = 0;
  std::size_t in_flight = 0;
  for (auto& w : st->workers) {
    live += w.running ? 1 : 0;
    in_flight += w.in_flight;
  }
  out += fmt::format(",\"pool\":{{\"size\":{},\"live_workers\":{},\"in_flight\":{},\"queued\":{},"
                     "\"served\":{},\"failed\":{},\"unavailable\":{},\"redispatched\":{},"
                     "\"cancelled\":{},\"restarts\":{},\"max_in_flight_per_worker\":{}",
                     st->workers.size(), live, in_flight, st->queued, st->served, st->failed,
                     st->unavailable, st->redispatched, st->cancelled, st->restarts,
                     st->max_in_flight_per_worker);
  if (workers) {
    out += ",\"workers\":[";
    bool first = true;
    for (auto& w : st->workers) {
      out += first ? "{\"name\":" : ",{\"name\":";
      first = false;
      append_string(out, w.name);
      out += fmt::format(",\"actor\":{},\"running\":{},\"in_flight\":{},\"served\":{},"
                         "\"starts\":{}}}",
                         w.actor, w.running ? "true" : "false", w.in_flight, w.served, w.starts);
    }
    out += ']';
  }
  out += '}';
}

/// A service's description up to (not including) its statistics and the
/// closing brace.
std::string describe(const service_entry& s) {
  std::string out = "{\"id\":";
  append_string(out, s.id);
  out += ",\"backend\":";
  append_string(out, s.info.backend);
  out += ",\"device\":";
  append_string(out, s.info.device);
  if (!s.info.description.empty()) {
    out += ",\"description\":";
    append_string(out, s.info.description);
  }
  out += ",\"messages\":[";
  bool first = true;
  for (auto& m : s.messages) {
    out += first ? "{\"name\":" : ",{\"name\":";
    first = false;
    append_string(out, m.name);
    out += ",\"output_type\":";
    append_string(out, m.output_type);
    out += ",\"input\":" + m.input_json + ",\"output\":" + m.output_json + '}';
  }
  out += ']';
  return out;
}

/// The shared answer of a route: a responder that several callbacks may
/// hold (the first answer counts).
using shared_responder = std::shared_ptr<responder>;

struct rest_state {
  // A constructor (not an aggregate) for make_shared: clang 14, which the
  // ASan+UBSan run uses, has no parenthesized aggregate initialization.
  rest_state(actor_system& s, const registry& r, rest_options o)
    : sys(s), reg(r), options(std::move(o)) {}

  actor_system& sys;
  const registry& reg;
  rest_options options;
  std::atomic<std::uint64_t> next_request{1}; // relaxed: ids need only be unique
};

/// Runs the call and answers with its result document.
void execute(const std::shared_ptr<rest_state>& st, const service_entry& s,
             std::string_view message, wire::json_node input, std::chrono::milliseconds timeout,
             std::shared_ptr<cancellation> cancel, responder answer) {
  auto id = st->next_request.fetch_add(1, std::memory_order_relaxed);
  auto head = fmt::format("{{\"request_id\":\"{}\",\"kernel_id\":", id);
  append_string(head, s.id);
  std::string meta = ",\"backend\":";
  append_string(meta, s.info.backend);
  if (!s.info.device.empty()) {
    meta += ",\"device\":";
    append_string(meta, s.info.device);
  }
  auto shared = std::make_shared<responder>(std::move(answer));
  st->reg.invoke(
    st->sys, s.id, message, input, timeout,
    [shared, head = std::move(head), meta = std::move(meta)](invoke_outcome r) {
      if (!r.output) {
        (*shared)(error_response(r.output.error()));
        return;
      }
      auto body = head + ",\"output\":" + *r.output
                  + fmt::format(",\"metadata\":{{\"duration_us\":{},\"worker\":{}",
                                r.duration.count(), r.worker)
                  + meta + "}}";
      (*shared)(http_response::json(200, std::move(body)));
    },
    std::move(cancel));
}

http_response invalid_input(std::string_view message, std::string_view field) {
  auto r = http_response::error(400, "invalid_input", message);
  r.body.pop_back();
  r.body += ",\"field\":";
  append_string(r.body, field);
  r.body += '}';
  return r;
}

/// Reads the body of POST /execute and executes it.
void execute_route(const std::shared_ptr<rest_state>& st, const http_request& req,
                   responder answer) {
  auto doc = wire::parse_json(req.body, wire::default_limits, "execute");
  if (!doc) {
    answer(error_response(doc.error()));
    return;
  }
  auto root = doc->root();
  if (root.type() != wire::json_type::object) {
    answer(invalid_input("the body is no JSON object", ""));
    return;
  }
  for (std::size_t i = 0; i < root.size(); ++i) {
    auto key = root.key_at(i);
    if (key != "kernel_id" && key != "message" && key != "input" && key != "timeout_ms") {
      answer(invalid_input(fmt::format("unknown field '{}' (fields: kernel_id, message, input, "
                                       "timeout_ms)",
                                       key),
                           key));
      return;
    }
  }
  auto string_field = [&](std::string_view name) -> std::optional<std::string_view> {
    auto n = root.find(name);
    if (!n || n.type() != wire::json_type::string) {
      answer(invalid_input(fmt::format("'{}' must be a string", name), name));
      return std::nullopt;
    }
    return n.as_string();
  };
  auto kernel = string_field("kernel_id");
  if (!kernel)
    return;
  auto message = string_field("message");
  if (!message)
    return;
  auto input = root.find("input");
  if (!input) {
    answer(invalid_input("the field 'input' is missing", "input"));
    return;
  }
  auto timeout = st->options.default_timeout;
  if (auto t = root.find("timeout_ms")) {
    if (t.type() != wire::json_type::int64 || t.as_int64() < 1
        || t.as_int64() > st->options.max_timeout.count()) {
      answer(invalid_input(fmt::format("'timeout_ms' must be an integer from 1 to {}",
                                       st->options.max_timeout.count()),
                           "timeout_ms"));
      return;
    }
    timeout = std::chrono::milliseconds{t.as_int64()};
  }
  auto s = st->reg.find(*kernel);
  if (s == nullptr) {
    answer(error_response(error{sec::no_such_actor,
                                fmt::format("no service is registered as '{}'", *kernel)}));
    return;
  }
  execute(st, *s, *message, input, timeout, req.cancel, std::move(answer));
}

} // namespace

http_response error_response(const error& err) {
  auto text = std::string{err.context().empty() ? std::string_view{} : err.context()};
  if (text.empty())
    text = to_string(err);
  if (err.category_name() == "wire") {
    auto field = field_of(err.context());
    if (field.empty())
      return http_response::error(400, "invalid_input", text);
    return invalid_input(text, field);
  }
  using supervision::supervision_error;
  if (is(err, make_error_code(sec::no_such_actor)))
    return http_response::error(404, "unknown_kernel", text);
  if (is(err, make_error_code(sec::unexpected_message)))
    return http_response::error(404, "unknown_message", text);
  if (is(err, make_error_code(sec::request_timeout)))
    return http_response::error(504, "timeout", "no reply within the request's timeout");
  if (is(err, make_error_code(supervision_error::pool_unavailable))
      || is(err, make_error_code(sec::dead_receiver))
      || err.category_name() == exit_reason_category().name())
    return http_response::error(503, "pool_unavailable", to_string(err));
  if (is(err, make_error_code(supervision_error::request_cancelled)))
    return http_response::error(503, "cancelled", to_string(err));
  if (is(err, make_error_code(supervision_error::worker_failed)))
    return http_response::error(502, "worker_failed", to_string(err));
  return http_response::error(422, "rejected", to_string(err));
}

void add_rest_routes(http_server& server, actor_system& sys, const registry& reg,
                     rest_options options) {
  auto st = std::make_shared<rest_state>(sys, reg, options);
  server.route_async("GET", "/kernels", [st](const http_request&, responder answer) {
    std::vector<std::string> parts;
    std::vector<actor> pools;
    for (auto& [id, s] : st->reg.services()) {
      parts.push_back(describe(s));
      pools.push_back(s.handle);
    }
    auto shared = std::make_shared<responder>(std::move(answer));
    gather_stats(st->sys, std::move(pools), st->options.stats_timeout,
                 [shared, parts = std::move(parts)](std::vector<expected<pool_stats>> stats) {
                   std::string body = "{\"kernels\":[";
                   for (std::size_t i = 0; i < parts.size(); ++i) {
                     body += i == 0 ? "" : ",";
                     body += parts[i];
                     append_stats(body, stats[i], false);
                     body += '}';
                   }
                   body += "]}";
                   (*shared)(http_response::json(200, std::move(body)));
                 });
  });
  server.route_async("GET", "/kernels/{id}", [st](const http_request& req, responder answer) {
    auto s = st->reg.find(req.param("id"));
    if (s == nullptr) {
      answer(error_response(error{
        sec::no_such_actor, fmt::format("no service is registered as '{}'", req.param("id"))}));
      return;
    }
    auto shared = std::make_shared<responder>(std::move(answer));
    gather_stats(st->sys, {s->handle}, st->options.stats_timeout,
                 [shared, part = describe(*s)](std::vector<expected<pool_stats>> stats) {
                   auto body = part;
                   append_stats(body, stats[0], true);
                   body += '}';
                   (*shared)(http_response::json(200, std::move(body)));
                 });
  });
  server.route_async("POST", "/execute", [st](const http_request& req, responder answer) {
    execute_route(st, req, std::move(answer));
  });
  server.route_async(
    "POST", "/kernels/{id}/{message}", [st](const http_request& req, responder answer) {
      auto s = st->reg.find(req.param("id"));
      if (s == nullptr) {
        answer(error_response(error{
          sec::no_such_actor, fmt::format("no service is registered as '{}'", req.param("id"))}));
        return;
      }
      auto doc = wire::parse_json(req.body, wire::default_limits, req.param("message"));
      if (!doc) {
        answer(error_response(doc.error()));
        return;
      }
      execute(st, *s, req.param("message"), doc->root(), st->options.default_timeout, req.cancel,
              std::move(answer));
    });
}

} // namespace ringactor::service
