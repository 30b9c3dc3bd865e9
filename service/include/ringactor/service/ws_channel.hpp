// ringactor service: a WebSocket route (http_server::route_websocket): after
// the upgrade, text messages in both directions until either side closes.
//
//   server.route_websocket("/echo", [](const service::http_request&,
//                                      std::shared_ptr<service::ws_channel> ch)
//                                       -> service::ws_reply {
//     return service::ws_start{
//       .on_message = [weak = std::weak_ptr{ch}](std::string_view text) {
//         if (auto ch = weak.lock()) ch->send(std::string{text});
//       },
//     };
//   });
//
// A request to the route without "Upgrade: websocket" is answered 426. Reads
// and writes run on the connection's strand; send() queues a text message
// from any thread. The connection holds at most `max_queued` unsent
// messages: one more closes it (policy error, "send queue full"), so that a
// client that stops reading costs bounded memory. The server's stop() closes
// it with a close frame (going away); `on_close` runs once when it ends.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "ringactor/service/http_message.hpp"

namespace ringactor::service {

/// The handle of one WebSocket connection, for whoever answers on it.
/// Thread-safe; holding it does not keep the connection open.
class ws_channel {
public:
  virtual ~ws_channel() = default;
  /// Queues a text message (any thread, never blocks); false if the
  /// connection is gone.
  virtual bool send(std::string text) = 0;
  /// Closes the connection after the queued messages (any thread).
  virtual void close() = 0;
};

/// How a WebSocket route starts its connection.
struct ws_start {
  /// Each text message the client sends (on the strand; must not block).
  std::function<void(std::string_view)> on_message;
  /// Runs once when the connection ends, for any reason (on the strand).
  std::function<void()> on_close;
  /// Unsent messages at most (see above).
  std::size_t max_queued = 1024;
};

/// What a WebSocket route answers: a response (a refusal), or the upgrade.
using ws_reply = std::variant<http_response, ws_start>;

using ws_route_handler = std::function<ws_reply(const http_request&, std::shared_ptr<ws_channel>)>;

} // namespace ringactor::service
