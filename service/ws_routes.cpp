// ringactor service: GET /ws, topics and calls over one WebSocket connection
// (ws_routes.hpp).
#include "ringactor/service/ws_routes.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include <ringactor/json/json_node.hpp>
#include <ringactor/json/json_text.hpp>
#include <ringactor/topics.hpp>

#include "ringactor/service/rest_routes.hpp"

namespace ringactor::service {

namespace {

void append_string(std::string& out, std::string_view text) {
  if (wire::append_json_string(out, text) != text.size())
    out += "\"(not valid UTF-8)\"";
}

/// {"id":<id>,"status":S,"error":<body>} for an error response.
std::string error_message(std::string_view id, const http_response& r) {
  return fmt::format("{{\"id\":{},\"status\":{},\"error\":{}}}", id, r.status, r.body);
}

std::string error_message(std::string_view id, unsigned status, std::string_view code,
                          std::string_view message) {
  return error_message(id, http_response::error(status, code, message));
}

/// One connection: its subscriptions by id, its calls in flight.
struct ws_connection : std::enable_shared_from_this<ws_connection> {
  ws_connection(actor_system& sys, const registry& reg, ws_options options,
                std::shared_ptr<ws_channel> channel)
    : sys(sys), reg(reg), options(options), channel(std::move(channel)) {}

  actor_system& sys;
  const registry& reg;
  ws_options options;
  // Held here (by the route's callbacks, which the connection holds): the
  // topics' wakes and the calls hold this object weakly.
  std::shared_ptr<ws_channel> channel;

  struct subscription {
    topic_ptr t;
    topic_subscription_ptr sub;
  };
  // Guards subs and orders drains: a subscription's take() and the send of
  // what it took happen under it, so that events keep their order.
  std::mutex mtx;
  std::map<std::string, subscription, std::less<>> subs; // by the id's JSON text
  // Incremented on the strand when a call starts, decremented by its
  // outcome's thread (relaxed: a count, it orders nothing).
  std::atomic<std::size_t> in_flight{0};

  void on_message(std::string_view text);
  void subscribe(const std::string& id, wire::json_node root);
  void unsubscribe(const std::string& id);
  void execute(const std::string& id, wire::json_node root);
  /// Sends what `id`'s subscription queued (under mtx).
  void drain(const std::string& id, const subscription& s);
  void close_all();
};

/// The JSON text of the id of a request, or empty when it has none usable.
std::string id_text(wire::json_node id) {
  if (!id)
    return {};
  std::string out;
  switch (id.type()) {
    case wire::json_type::string: append_string(out, id.as_string()); break;
    case wire::json_type::int64: out = std::to_string(id.as_int64()); break;
    case wire::json_type::uint64: out = std::to_string(id.as_uint64()); break;
    default: break;
  }
  return out;
}

void ws_connection::on_message(std::string_view text) {
  auto doc = wire::parse_json(text, wire::default_limits, "ws");
  if (!doc) {
    channel->send(error_message("null", error_response(doc.error())));
    return;
  }
  auto root = doc->root();
  if (root.type() != wire::json_type::object) {
    channel->send(error_message("null", 400, "bad_request", "a message is a JSON object"));
    return;
  }
  auto id = id_text(root.find("id"));
  if (id.empty()) {
    channel->send(error_message("null", 400, "bad_request",
                                "a message needs an \"id\": a string or integer"));
    return;
  }
  auto op = root.find("op");
  auto name = op && op.type() == wire::json_type::string ? op.as_string() : std::string_view{};
  if (name == "subscribe")
    subscribe(id, root);
  else if (name == "unsubscribe")
    unsubscribe(id);
  else if (name == "execute")
    execute(id, root);
  else
    channel->send(
      error_message(id, 400, "bad_request",
                    fmt::format("unknown op '{}' (ops: subscribe, unsubscribe, execute)", name)));
}

void ws_connection::subscribe(const std::string& id, wire::json_node root) {
  auto topic_node = root.find("topic");
  if (!topic_node || topic_node.type() != wire::json_type::string) {
    channel->send(error_message(id, 400, "bad_request", "subscribe needs a \"topic\" string"));
    return;
  }
  auto t = topics::of(sys).find(topic_node.as_string());
  if (!t) {
    channel->send(error_message(id, 404, "unknown_topic",
                                fmt::format("no topic is registered as '{}'",
                                            topic_node.as_string())));
    return;
  }
  std::optional<std::uint64_t> last;
  if (auto n = root.find("last_event_id")) {
    if (n.type() == wire::json_type::int64 && n.as_int64() >= 0)
      last = static_cast<std::uint64_t>(n.as_int64());
    else if (n.type() == wire::json_type::uint64)
      last = n.as_uint64();
    else {
      channel->send(error_message(id, 400, "bad_last_event_id",
                                  "last_event_id: expected an id >= 0"));
      return;
    }
  }
  std::lock_guard guard{mtx};
  if (subs.count(id) != 0) {
    channel->send(error_message(id, 409, "duplicate_id",
                                fmt::format("the subscription {} exists already", id)));
    return;
  }
  channel->send(fmt::format("{{\"id\":{},\"ok\":true}}", id));
  auto sub = t->subscribe(last, [weak = weak_from_this(), id] {
    auto self = weak.lock();
    if (!self)
      return;
    std::lock_guard guard{self->mtx};
    if (auto i = self->subs.find(id); i != self->subs.end())
      self->drain(id, i->second);
  });
  auto& s = subs[id] = subscription{t, sub};
  drain(id, s); // the backlog of a resume
}

void ws_connection::drain(const std::string& id, const subscription& s) {
  auto b = s.sub->take();
  if (b.gap)
    channel->send(fmt::format("{{\"id\":{},\"gap\":{{\"missed\":{},\"first_id\":{}}}}}", id, *b.gap,
                              b.events.empty() ? s.t->stats().published + 1
                                               : b.events.front()->id));
  for (auto& e : b.events) {
    std::string out = fmt::format("{{\"id\":{},\"event\":{{\"id\":{},\"type\":", id, e->id);
    append_string(out, e->type);
    out += ",\"data\":" + e->data + "}}";
    channel->send(std::move(out));
  }
  if (b.overflow_dropped)
    channel->send(fmt::format("{{\"id\":{},\"overflow\":{{\"dropped\":{},\"last_event_id\":{}}}}}",
                              id, *b.overflow_dropped, b.last_id));
}

void ws_connection::unsubscribe(const std::string& id) {
  std::lock_guard guard{mtx};
  auto i = subs.find(id);
  if (i == subs.end()) {
    channel->send(error_message(id, 404, "unknown_subscription",
                                fmt::format("no subscription {}", id)));
    return;
  }
  i->second.t->unsubscribe(i->second.sub);
  subs.erase(i);
  channel->send(fmt::format("{{\"id\":{},\"ok\":true}}", id));
}

void ws_connection::execute(const std::string& id, wire::json_node root) {
  auto kernel = root.find("kernel_id");
  auto message = root.find("message");
  if (!kernel || kernel.type() != wire::json_type::string || !message
      || message.type() != wire::json_type::string) {
    channel->send(error_message(id, 400, "bad_request",
                                "execute needs \"kernel_id\" and \"message\" strings"));
    return;
  }
  auto timeout = options.default_timeout;
  if (auto n = root.find("timeout_ms")) {
    if (n.type() != wire::json_type::int64 || n.as_int64() < 1
        || n.as_int64() > options.max_timeout.count()) {
      channel->send(error_message(id, 400, "invalid_input",
                                  fmt::format("timeout_ms: expected an integer in [1, {}]",
                                              options.max_timeout.count())));
      return;
    }
    timeout = std::chrono::milliseconds{n.as_int64()};
  }
  if (in_flight.fetch_add(1, std::memory_order_relaxed) >= options.max_in_flight) {
    in_flight.fetch_sub(1, std::memory_order_relaxed);
    channel->send(error_message(id, 429, "too_many_requests",
                                fmt::format("{} calls of this connection are in flight",
                                            options.max_in_flight)));
    return;
  }
  auto input = root.find("input");
  reg.invoke(sys, kernel.as_string(), message.as_string(), input, timeout,
             [weak = weak_from_this(), id](invoke_outcome r) {
               auto self = weak.lock();
               if (!self)
                 return; // the connection closed meanwhile
               self->in_flight.fetch_sub(1, std::memory_order_relaxed);
               if (!r.output) {
                 self->channel->send(error_message(id, error_response(r.output.error())));
                 return;
               }
               self->channel->send(
                 fmt::format("{{\"id\":{},\"output\":{},\"metadata\":{{\"duration_us\":{},"
                             "\"worker\":{}}}}}",
                             id, *r.output, r.duration.count(), r.worker));
             });
}

void ws_connection::close_all() {
  std::lock_guard guard{mtx};
  for (auto& [id, s] : subs)
    s.t->unsubscribe(s.sub);
  subs.clear();
}

} // namespace

void add_websocket_routes(http_server& server, actor_system& sys, const registry& reg,
                          ws_options options) {
  server.route_websocket(
    "/ws", [&sys, &reg, options](const http_request&, std::shared_ptr<ws_channel> ch) -> ws_reply {
      auto c = std::make_shared<ws_connection>(sys, reg, options, std::move(ch));
      ws_start start;
      start.on_message = [c](std::string_view text) { c->on_message(text); };
      start.on_close = [c] { c->close_all(); };
      start.max_queued = options.max_queued;
      return start;
    });
}

} // namespace ringactor::service
