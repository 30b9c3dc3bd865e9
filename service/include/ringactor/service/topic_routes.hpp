// ringactor service: the routes of topics (ringactor/topics.hpp):
//
//   GET /topics                  every topic: its buffers and counters
//   GET /topics/{name}           one topic: {"name", "buffer",
//                                "subscriber_buffer", "published",
//                                "buffered", "subscribers", "overflows",
//                                "refused"}
//   GET /topics/{name}/events    a Server-Sent Events stream of the topic
//
// The stream (Content-Type: text/event-stream, no Content-Length; it ends
// when the connection closes) writes each event as
//
//   id: 42
//   event: adder.total            (the message's registered type name)
//   data: {"total":7,"added":2}   (its JSON form)
//
// and a comment line (": heartbeat") when nothing was written for the
// heartbeat interval. A Last-Event-ID header (or ?last_event_id=N) resumes
// from the topic's ring: the events after N come first, and when N is older
// than the ring's oldest event, before them
//
//   event: gap
//   data: {"missed":12,"first_id":20}      (ids 8 to 19 are gone)
//
// A subscriber whose queue overflows (it reads slower than the topic
// publishes) gets, after the piece being written,
//
//   event: overflow
//   data: {"dropped":5,"last_event_id":37,"subscriber_buffer":64}
//
// and the connection closes; it may reconnect with Last-Event-ID 37.
// Errors: 404 unknown_topic, 400 bad_last_event_id (not a decimal number).
#pragma once

#include <chrono>

#include <ringactor/topics.hpp>

#include "ringactor/service/http_server.hpp"

namespace ringactor::service {

struct topic_route_options {
  /// A comment line after this long without writing (0: none).
  std::chrono::milliseconds heartbeat{15'000};
};

/// One event in the SSE format above (the type and data are written as
/// they are; a line break in either starts another field line).
std::string sse_frame(const topic_event& e);

/// Adds the routes above. `ts` must outlive the server (stop() it first).
void add_topic_routes(http_server& server, const topics& ts, topic_route_options options = {});

} // namespace ringactor::service
