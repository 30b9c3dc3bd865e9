// test/service: ringactor-server as a real process on a free loopback port,
// and a raw HTTP/1.1 client with bounded waits (a test never hangs on a
// server that does not answer).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace service_test {

/// Milliseconds from now until `until` (0 if past): a poll's timeout.
int remaining_ms(std::chrono::steady_clock::time_point until);

/// ringactor-server started with `args` (plus --http.port=0); the
/// constructor waits (bounded) for its "listening on" line.
class server_process {
public:
  explicit server_process(std::vector<std::string> args);
  /// The server executable `program` started with `args` (plus --http.port=0).
  server_process(std::string program, std::vector<std::string> args);
  ~server_process(); ///< SIGKILLs the process if it still runs
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  /// The port it listens on; 0 if it never said so (see output()).
  std::uint16_t port() const noexcept { return port_; }
  /// What it printed (stdout and stderr) so far.
  std::string output();
  /// Sends `sig` (SIGTERM, SIGINT).
  void signal(int sig);
  /// Its exit status once it ends within `limit`, else nothing.
  std::optional<int> wait(std::chrono::milliseconds limit);
  /// Stops it as an operator would (SIGTERM) and returns its exit status:
  /// 0 for a clean stop; a sanitizer's report makes it non-zero. -1 if it
  /// did not end within 20 s (then it is killed).
  int stop();

private:
  void read_available(std::chrono::milliseconds limit);

  int pid_ = -1;
  int out_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string output_;
  std::optional<int> status_;
};

/// A connection to 127.0.0.1:port; every wait is bounded by `limit`.
class connection {
public:
  connection(std::uint16_t port, std::chrono::milliseconds limit = std::chrono::seconds{10});
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  bool connected() const noexcept { return fd_ >= 0; }
  /// Writes all of `bytes`; false if the peer closed.
  bool send(std::string_view bytes);
  /// Reads one response (status line, headers, Content-Length body); empty
  /// if the connection closed or nothing came within the limit.
  std::string read_response();
  /// True when the peer closed the connection (reads EOF) within the limit.
  bool closed_by_peer();

private:
  int fd_ = -1;
  std::chrono::milliseconds limit_;
  std::string pending_;
};

/// The status code of a response ("HTTP/1.1 404 Not Found..." -> 404); 0
/// if none.
unsigned status_of(std::string_view response);
/// The body of a response (after the blank line).
std::string_view body_of(std::string_view response);
/// One request on a fresh connection: the response, or empty.
std::string request(std::uint16_t port, std::string_view raw);
/// GET `path` with Connection: close.
std::string get(std::uint16_t port, std::string_view path);
/// A blocking socket connected to 127.0.0.1:port, or -1.
int connect_loopback(std::uint16_t port);
/// The JSON number after `"key":` in `text`, or -1.
long number_after(std::string_view text, std::string_view key);

} // namespace service_test
