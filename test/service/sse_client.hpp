// test/service: a raw Server-Sent Events reader over loopback, with bounded
// waits (a test never hangs on a stream that stays quiet).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace service_test {

/// One SSE event as the reader parsed it; a comment (": heartbeat") is an
/// event with only `comment` set.
struct sse_event {
  std::string id;
  std::string type;
  std::string data;
  std::string comment;
};

class sse_client {
public:
  /// Connects to 127.0.0.1:port and sends GET `path` with `extra_headers`
  /// ("Name: value\r\n" lines). `receive_buffer` > 0 sets SO_RCVBUF first
  /// (a small one makes a client that stops reading stall the server soon).
  sse_client(std::uint16_t port, std::string_view path, std::string_view extra_headers = {},
             int receive_buffer = 0);
  ~sse_client();
  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;

  /// The response head (status line and headers), read within `limit`;
  /// empty if none came.
  std::string head(std::chrono::milliseconds limit = std::chrono::seconds{10});

  /// The next event or comment within `limit`; nothing if none came or the
  /// stream ended (see ended()).
  std::optional<sse_event> next(std::chrono::milliseconds limit = std::chrono::seconds{10});

  /// The next event that is not a comment (comments are skipped).
  std::optional<sse_event> next_event(std::chrono::milliseconds limit = std::chrono::seconds{10});

  /// True once the server closed the connection (EOF or reset was read).
  bool ended() const noexcept { return ended_; }

  /// Waits up to `limit` for the server to close the connection, reading
  /// (and keeping) whatever comes first.
  bool wait_closed(std::chrono::milliseconds limit);

  /// Closes the connection now.
  void close();

private:
  /// Reads what arrives within the time left; false on timeout or end.
  bool fill(std::chrono::steady_clock::time_point until);

  int fd_ = -1;
  bool ended_ = false;
  bool head_read_ = false;
  std::string pending_;
};

/// The events of a stream that closes within `limit` (a stream answered
/// with an error, or one the server ends), and whatever came first.
std::string read_until_closed(std::uint16_t port, std::string_view raw,
                              std::chrono::milliseconds limit);

} // namespace service_test
