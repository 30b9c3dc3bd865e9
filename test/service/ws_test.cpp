// test/service: GET /ws against ringactor-server with its example
// configuration, driven by a Boost.Beast WebSocket client whose reads are
// bounded (SO_RCVTIMEO): subscribe and execute multiplexed on one
// connection with answers matched by id, errors that keep the connection,
// 426 without the upgrade, and SIGTERM with open connections.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <map>
#include <optional>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "sse_server.hpp"
#include "middleware_helpers.hpp"

using namespace service_test;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

/// A WebSocket client on 127.0.0.1:port/ws; each read waits at most 5 s.
class ws_client {
public:
  /// `receive_buffer` > 0 sets SO_RCVBUF before connecting.
  explicit ws_client(std::uint16_t port, int receive_buffer = 0) : ws_(io_) {
    beast::error_code ec;
    auto& sock = ws_.next_layer();
    sock.open(asio::ip::tcp::v4(), ec);
    if (ec)
      return;
    if (receive_buffer > 0)
      sock.set_option(asio::socket_base::receive_buffer_size{receive_buffer}, ec);
    sock.connect({asio::ip::make_address("127.0.0.1"), port}, ec); // 127.0.0.1 only
    if (ec)
      return;
    timeval tv{5, 0};
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    ws_.handshake("127.0.0.1", "/ws", ec);
    open_ = !ec;
  }

  bool open() const noexcept { return open_; }

  bool send(std::string_view text) {
    beast::error_code ec;
    ws_.text(true);
    ws_.write(asio::buffer(text), ec);
    return !ec;
  }

  /// The next message; nothing on a timeout or the end (see closed()).
  std::optional<std::string> read() {
    beast::flat_buffer b;
    beast::error_code ec;
    ws_.read(b, ec);
    if (ec) {
      closed_ = ec == websocket::error::closed || ec == asio::error::eof
                || ec == asio::error::connection_reset;
      return std::nullopt;
    }
    return beast::buffers_to_string(b.data());
  }

  /// Reads until the answers of every id in `ids` came (at most `max`
  /// messages); returns every message read, by the id it starts with.
  std::multimap<std::string, std::string> read_for(std::vector<std::string> ids, int max = 50) {
    std::multimap<std::string, std::string> got;
    for (int i = 0; i < max && !ids.empty(); ++i) {
      auto m = read();
      if (!m)
        break;
      auto start = m->find("\"id\":");
      auto end = m->find_first_of(",}", start);
      auto id = m->substr(start + 5, end - start - 5);
      got.emplace(id, *m);
      std::erase(ids, id);
    }
    return got;
  }

  bool closed() const noexcept { return closed_; }
  /// The code of the server's close frame (0 if none came).
  unsigned close_code() const { return static_cast<unsigned>(ws_.reason().code); }

private:
  asio::io_context io_;
  websocket::stream<asio::ip::tcp::socket> ws_;
  bool open_ = false;
  bool closed_ = false;
};

server_process example_server() {
  return server_process{
    {"--config", std::string{RINGACTOR_SOURCE_ROOT} + "/service/server.example.toml"}};
}

} // namespace

TEST_SUITE_BEGIN("service");

TEST_CASE("one WebSocket connection multiplexes a subscription and calls, answers matched by id") {
  auto s = example_server();
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  ws_client c{s.port()};
  REQUIRE(c.open());
  REQUIRE(c.send(R"({"id":"s1","op":"subscribe","topic":"totals"})"));
  auto ok = c.read();
  REQUIRE(ok);
  CHECK(*ok == R"({"id":"s1","ok":true})");
  REQUIRE(c.send(R"({"id":7,"op":"execute","kernel_id":"adder_host","message":"adder.accumulate",)"
                 R"("input":{"value":5}})"));
  REQUIRE(c.send(
    R"({"id":8,"op":"execute","kernel_id":"adder","message":"adder.add","input":{"a":1,"b":2}})"));
  auto got = c.read_for({"7", "8", "\"s1\""});
  INFO(got.size());
  REQUIRE(got.count("7") == 1);
  REQUIRE(got.count("8") == 1);
  REQUIRE(got.count("\"s1\"") == 1);
  CHECK(contains(got.find("7")->second, R"("output":5,"metadata":{"duration_us":)"));
  CHECK(contains(got.find("8")->second, R"("output":3,)"));
  CHECK(got.find("\"s1\"")->second
        == R"({"id":"s1","event":{"id":1,"type":"adder.total","data":{"total":5,"added":5}}})");
  // Unsubscribed, it gets no more events.
  REQUIRE(c.send(R"({"id":"s1","op":"unsubscribe"})"));
  ok = c.read();
  REQUIRE(ok);
  CHECK(*ok == R"({"id":"s1","ok":true})");
  CHECK(wait_topic_counter(s.port(), "totals", "subscribers", 0) == 0);
  CHECK_MESSAGE(s.stop() == 0, s.output());
}

TEST_CASE("a bad WebSocket message gets an error answer and the connection stays usable") {
  auto s = example_server();
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  ws_client c{s.port()};
  REQUIRE(c.open());
  REQUIRE(c.send("not json"));
  auto m = c.read();
  REQUIRE(m);
  CHECK(m->starts_with(R"({"id":null,"status":400,"error":{"error":)"));
  REQUIRE(c.send(R"({"op":"execute"})"));
  m = c.read();
  REQUIRE(m);
  CHECK(contains(*m, R"("status":400,"error":{"error":"bad_request")"));
  REQUIRE(c.send(R"({"id":1,"op":"dance"})"));
  m = c.read();
  REQUIRE(m);
  CHECK(m->starts_with(R"({"id":1,"status":400,)"));
  CHECK(contains(*m, "unknown op 'dance'"));
  REQUIRE(c.send(R"({"id":2,"op":"execute","kernel_id":"nope","message":"adder.add","input":{}})"));
  m = c.read();
  REQUIRE(m);
  CHECK(m->starts_with(R"({"id":2,"status":404,"error":{"error":"unknown_kernel")"));
  REQUIRE(c.send(R"({"id":3,"op":"execute","kernel_id":"adder","message":"adder.add",)"
                 R"("input":{"a":"x","b":2}})"));
  m = c.read();
  REQUIRE(m);
  CHECK(m->starts_with(R"({"id":3,"status":400,"error":{"error":"invalid_input")"));
  REQUIRE(c.send(R"({"id":4,"op":"subscribe","topic":"nope"})"));
  m = c.read();
  REQUIRE(m);
  CHECK(m->starts_with(R"({"id":4,"status":404,"error":{"error":"unknown_topic")"));
  REQUIRE(c.send(R"({"id":5,"op":"subscribe","topic":"totals"})"));
  REQUIRE(c.read());
  REQUIRE(c.send(R"({"id":5,"op":"subscribe","topic":"totals"})"));
  m = c.read();
  REQUIRE(m);
  CHECK(m->starts_with(R"({"id":5,"status":409,)"));
  REQUIRE(c.send(
    R"({"id":6,"op":"execute","kernel_id":"adder","message":"adder.add","input":{"a":2,"b":2}})"));
  m = c.read();
  REQUIRE(m);
  CHECK(m->starts_with(R"({"id":6,"output":4,)"));
  CHECK_MESSAGE(s.stop() == 0, s.output());
}

TEST_CASE("GET /ws without the WebSocket upgrade is answered 426") {
  auto s = example_server();
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  auto r = get(s.port(), "/ws");
  CHECK(status_of(r) == 426);
  CHECK(contains(body_of(r), R"("error":"upgrade_required")"));
  CHECK_MESSAGE(s.stop() == 0, s.output());
}

TEST_CASE("SIGTERM closes open WebSocket connections and the server exits 0") {
  auto s = example_server();
  REQUIRE_MESSAGE(s.port() != 0, s.output());
  ws_client a{s.port()};
  ws_client b{s.port()};
  REQUIRE(a.open());
  REQUIRE(b.open());
  REQUIRE(a.send(R"({"id":1,"op":"subscribe","topic":"totals"})"));
  REQUIRE(a.read());
  s.signal(SIGTERM);
  CHECK_FALSE(a.read());
  CHECK(a.closed());
  CHECK_FALSE(b.read());
  CHECK(b.closed());
  auto status = s.wait(10s);
  REQUIRE_MESSAGE(status, s.output());
  CHECK(*status == 0);
}

TEST_CASE("a WebSocket client that stops reading is closed with a policy error once its queue is "
          "full, and the publisher is not held up") {
  ticks_server s{{"--http.stream_send_buffer=4096", "--http.ws_max_queued=16"}};
  REQUIRE_MESSAGE(s.port() != 0, s.proc.output());
  ws_client c{s.port(), 4096};
  REQUIRE(c.open());
  REQUIRE(c.send(R"({"id":1,"op":"subscribe","topic":"ticks"})"));
  REQUIRE(c.read());
  // The client reads nothing now. Bounded: 300 bursts of 8 ticks of about
  // 200 bytes are far more than its socket buffers and queue hold.
  auto slowest = 0ms;
  long published = 0;
  for (int b = 0; b < 300; ++b) {
    auto start = std::chrono::steady_clock::now();
    REQUIRE(publish_ticks(s.port(), 8) == 200);
    published += 8;
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start));
    if (b % 10 == 9 && number_after(body_of(get(s.port(), "/topics/ticks")), "subscribers") == 0)
      break; // the connection was closed and its subscription ended
  }
  MESSAGE("published " << published << " ticks, the slowest burst took " << slowest.count()
                       << " ms");
  CHECK(wait_topic_counter(s.port(), "ticks", "subscribers", 0) == 0);
  CHECK(slowest < 2s);
  // What it reads now: ticks in order, then the close (policy error).
  long n = 0;
  for (long i = 0; i <= published; ++i) {
    auto m = c.read();
    if (!m)
      break;
    REQUIRE(contains(*m, "\"n\":" + std::to_string(++n) + ","));
  }
  CHECK(c.closed());
  CHECK(c.close_code() == 1008);
  CHECK(n < published);
  CHECK_MESSAGE(s.proc.stop() == 0, s.proc.output());
}
