// ringactor service: the routes of topics and their SSE streams
// (topic_routes.hpp).
#include "ringactor/service/topic_routes.hpp"

#include <charconv>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include <ringactor/json/json_text.hpp>

namespace ringactor::service {

namespace {

/// Appends `text` as one SSE field per line ("data: a\ndata: b\n").
void append_field(std::string& out, std::string_view field, std::string_view text) {
  for (;;) {
    auto end = text.find_first_of("\r\n");
    out += field;
    out += ": ";
    out += text.substr(0, end);
    out += '\n';
    if (end == std::string_view::npos)
      return;
    text.remove_prefix(end + (text.substr(end).starts_with("\r\n") ? 2 : 1));
  }
}

std::string stats_json(const topic_stats& st) {
  std::string out = "{\"name\":";
  wire::append_json_string(out, st.name);
  out += fmt::format(",\"buffer\":{},\"subscriber_buffer\":{},\"published\":{},\"buffered\":{},"
                     "\"subscribers\":{},\"overflows\":{},\"refused\":{}}}",
                     st.options.buffer, st.options.subscriber_buffer, st.published, st.buffered,
                     st.subscribers, st.overflows, st.refused);
  return out;
}

http_response unknown_topic(std::string_view name) {
  return http_response::error(404, "unknown_topic",
                              fmt::format("no topic is registered as '{}'", name));
}

/// The resume id: the Last-Event-ID header, else ?last_event_id=, else none.
/// An id that is not a decimal number is an error (the text says why).
expected<std::optional<std::uint64_t>> resume_id(const http_request& req) {
  std::string_view text = req.header("Last-Event-ID");
  std::string_view source = "Last-Event-ID";
  if (text.empty()) {
    std::string_view q = req.query;
    while (!q.empty()) {
      auto amp = q.find('&');
      auto pair = q.substr(0, amp);
      if (pair.starts_with("last_event_id=")) {
        text = pair.substr(14);
        source = "last_event_id";
        if (text.empty())
          return error{sec::invalid_argument, "last_event_id: expected a decimal id, found ''"};
      }
      q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    }
  }
  if (text.empty())
    return std::optional<std::uint64_t>{};
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size())
    return error{sec::invalid_argument,
                 fmt::format("{}: expected a decimal id, found '{}'", source, text)};
  return std::optional<std::uint64_t>{id};
}

/// One SSE subscriber: the topic's queue for it, and the stream it feeds.
struct sse_subscriber {
  topic_ptr t;
  topic_subscription_ptr sub;
  // Held here (by the stream's pull function): the topic's wake holds it
  // weakly, so nothing keeps a closed connection's stream alive.
  std::shared_ptr<event_stream> stream;
  bool finished = false;

  std::optional<std::string> pull() {
    if (finished)
      return std::nullopt;
    auto b = sub->take();
    std::string out;
    if (b.gap)
      out += fmt::format("event: gap\ndata: {{\"missed\":{},\"first_id\":{}}}\n\n", *b.gap,
                         b.events.empty() ? t->stats().published + 1 : b.events.front()->id);
    for (auto& e : b.events)
      out += sse_frame(*e);
    if (b.overflow_dropped) {
      out += fmt::format("event: overflow\ndata: {{\"dropped\":{},\"last_event_id\":{},"
                         "\"subscriber_buffer\":{}}}\n\n",
                         *b.overflow_dropped, b.last_id, t->options().subscriber_buffer);
      finished = true; // the next pull, after this piece is written, ends the stream
    }
    return out;
  }
};

} // namespace

std::string sse_frame(const topic_event& e) {
  std::string out = fmt::format("id: {}\n", e.id);
  append_field(out, "event", e.type);
  append_field(out, "data", e.data);
  out += '\n';
  return out;
}

void add_topic_routes(http_server& server, const topics& ts, topic_route_options options) {
  server.route("GET", "/topics", [&ts](const http_request&) {
    std::string out = "[";
    for (auto& t : ts.list())
      out += (out.size() > 1 ? "," : "") + stats_json(t->stats());
    out += ']';
    return http_response::json(200, std::move(out));
  });
  server.route("GET", "/topics/{name}", [&ts](const http_request& req) {
    auto t = ts.find(req.param("name"));
    if (!t)
      return unknown_topic(req.param("name"));
    return http_response::json(200, stats_json(t->stats()));
  });
  server.route_stream(
    "GET", "/topics/{name}/events",
    [&ts, options](const http_request& req, std::shared_ptr<event_stream> stream) -> stream_reply {
      auto t = ts.find(req.param("name"));
      if (!t)
        return unknown_topic(req.param("name"));
      auto last = resume_id(req);
      if (!last)
        return http_response::error(400, "bad_last_event_id", last.error().context());
      auto s = std::make_shared<sse_subscriber>();
      s->t = t;
      s->stream = stream;
      s->sub = t->subscribe(*last, [weak = std::weak_ptr<event_stream>{stream}] {
        if (auto x = weak.lock())
          x->notify();
      });
      stream_start start;
      start.pull = [s] { return s->pull(); };
      start.on_close = [s] {
        s->t->unsubscribe(s->sub);
        s->stream.reset();
      };
      start.keepalive_chunk = ": heartbeat\n\n";
      start.keepalive_interval = options.heartbeat;
      return start;
    });
}

} // namespace ringactor::service
