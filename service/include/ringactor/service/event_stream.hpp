// ringactor service: a streaming response (http_server::route_stream): the
// server writes the head, then the body piece by piece as the application
// produces it, until either side ends it. Server-Sent Events use it
// (topic_routes.hpp); it knows nothing of their format.
//
//   server.route_stream("GET", "/ticks", [](const service::http_request&,
//                                           std::shared_ptr<service::event_stream> s)
//                                            -> service::stream_reply {
//     auto src = std::make_shared<tick_source>(s);   // calls s->notify() on new data
//     return service::stream_start{
//       .content_type = "text/event-stream",
//       .pull = [src] { return src->next_chunk(); },   // "" when nothing is ready
//       .on_close = [src] { src->stop(); },
//     };
//   });
//
// The body has no Content-Length and no chunked encoding: it ends when the
// connection closes ("Connection: close"), as HTTP/1.1 allows. Writes run on
// the connection's strand, one at a time: whenever the connection can write
// (after the head, after each write, after notify()) it calls `pull`, writes
// what it returns, and stops when pull returns nothing (end of stream). A
// write that does not finish within the server's read_timeout (a client
// that stopped reading) closes the connection. The client closing its end,
// close() and the server's stop() end the stream too; `on_close` runs
// exactly once then, on the network thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ringactor/service/http_message.hpp"

namespace ringactor::service {

/// The handle of one open stream, for its producer. Thread-safe; holding it
/// does not keep the connection open (hold it weakly where it would form a
/// cycle with what the stream's pull function holds).
class event_stream {
public:
  virtual ~event_stream() = default;

  /// Says that `pull` has something to write: the connection calls it on
  /// its strand when it is not writing. Any thread; never blocks.
  virtual void notify() = 0;

  /// Ends the stream once what is being written is written. Any thread.
  virtual void close() = 0;
};

/// How a streaming route starts its stream.
struct stream_start {
  std::string content_type = "text/event-stream";
  /// Extra header fields of the head.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The next bytes to write: "" when nothing is ready (wait for notify()),
  /// nothing to end the stream. Runs on the connection's strand.
  std::function<std::optional<std::string>()> pull;
  /// Runs once when the stream ends, for any reason (on the strand).
  std::function<void()> on_close;
  /// Written when nothing else was for `keepalive_interval` (an SSE comment,
  /// a WebSocket ping), so that proxies and clients notice a dead stream.
  /// Empty or a zero interval: none.
  std::string keepalive_chunk;
  std::chrono::milliseconds keepalive_interval{0};
};

/// What a streaming route answers: an ordinary response (a refusal: 404,
/// 400), or a stream.
using stream_reply = std::variant<http_response, stream_start>;

/// A streaming route's handler: runs on the network thread and must not
/// block. The stream it gets is unused if it answers a response.
using stream_route_handler = std::function<stream_reply(const http_request&,
                                                        std::shared_ptr<event_stream>)>;

} // namespace ringactor::service
