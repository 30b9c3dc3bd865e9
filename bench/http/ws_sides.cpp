// http_bench's WebSocket sides ("bench":"http_websocket"): a blocking
// WebSocket client per thread that sends one execute frame and waits for
// its answer, against ringactor's GET /ws and against a bare Beast
// WebSocket server with no actors that does the same JSON parse and writes
// the same reply shape.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include <ringactor/json/json_text.hpp>
#include <ringactor/service/http_server.hpp>
#include <ringactor/service/ws_routes.hpp>

#include "bench_common.hpp"

namespace http_bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

// -- the client: one blocking WebSocket connection per thread -------------------

class ws_client {
public:
  explicit ws_client(std::uint16_t port) : ws_(io_) {
    beast::error_code ec;
    // 127.0.0.1 only.
    ws_.next_layer().connect({asio::ip::make_address_v4("127.0.0.1"), port}, ec);
    if (ec)
      return;
    ws_.next_layer().set_option(asio::ip::tcp::no_delay(true), ec);
    ws_.handshake("127.0.0.1", "/ws", ec);
    if (ec)
      return;
    ws_.text(true);
    open_ = true;
  }
  ~ws_client() {
    if (!open_)
      return;
    // Closed without the close handshake: a server that stopped answering
    // must not hold the benchmark.
    beast::error_code ec;
    ws_.next_layer().close(ec);
  }
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  bool connected() const noexcept { return open_; }

  /// Sends `text` as one message and returns the next message; empty on
  /// failure.
  std::string call(std::string_view text) {
    beast::error_code ec;
    ws_.write(asio::buffer(text.data(), text.size()), ec);
    if (ec)
      return {};
    buffer_.clear();
    ws_.read(buffer_, ec);
    if (ec)
      return {};
    return beast::buffers_to_string(buffer_.data());
  }

private:
  asio::io_context io_;
  websocket::stream<asio::ip::tcp::socket> ws_;
  beast::flat_buffer buffer_;
  bool open_ = false;
};

/// drive() with one WebSocket connection per client, each call one
/// execute frame of adder.add whose answer must carry its id and a + b.
result drive_ws(std::uint16_t port, const options& o) {
  return drive_clients<ws_client>(port, o, [](ws_client& cl, int c, int i) {
    int a = i % 1000;
    auto frame = fmt::format(R"({{"id":{},"op":"execute","kernel_id":"adder",)"
                             R"("message":"adder.add","input":{{"a":{},"b":{}}}}})",
                             i, a, c);
    auto reply = cl.call(frame);
    return reply.starts_with(fmt::format(R"({{"id":{},)", i)) && output_of(reply) == a + c;
  });
}

// -- the bare server: Beast WebSocket, one network thread, no actors ------------

class bare_ws_session : public std::enable_shared_from_this<bare_ws_session> {
public:
  explicit bare_ws_session(asio::ip::tcp::socket s) : ws_(std::move(s)) {}

  void start() {
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->read();
    });
  }

private:
  void read() {
    buffer_.clear();
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec)
        self->answer();
    });
  }

  void answer() {
    // The same work as GET /ws's execute: parse the frame, read its id,
    // op, kernel and message, read the input's fields, add, write the reply.
    auto text = beast::buffers_to_string(buffer_.data());
    auto doc = wire::parse_json(text, wire::default_limits, "ws");
    out_ = R"({"id":null,"status":400,"error":{"error":"bad_request"}})";
    if (doc && doc->root().type() == wire::json_type::object) {
      auto root = doc->root();
      auto id = root.find("id");
      auto op = root.find("op");
      auto kernel = root.find("kernel_id");
      auto message = root.find("message");
      auto input = root.find("input");
      auto a = input ? input.find("a") : wire::json_node{};
      auto b = input ? input.find("b") : wire::json_node{};
      if (id && id.type() == wire::json_type::int64 && op && op.as_string() == "execute" && kernel
          && kernel.as_string() == "adder" && message && message.as_string() == "adder.add" && a
          && a.type() == wire::json_type::int64 && b && b.type() == wire::json_type::int64)
        out_ = fmt::format(R"({{"id":{},"output":{},"metadata":{{"duration_us":0}}}})",
                           id.as_int64(), a.as_int64() + b.as_int64());
    }
    ws_.text(true);
    ws_.async_write(asio::buffer(out_),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (!ec)
                        self->read();
                    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::string out_;
};

/// The bare WebSocket server: a bare_ws_session per connection.
using bare_ws_server = bare_listener<bare_ws_session>;

} // namespace

result run_ringactor_ws(const options& o) {
  return run_ringactor_side(
    o,
    [](service::http_server& server, actor_system& sys, const service::registry& reg) {
      service::add_websocket_routes(server, sys, reg);
    },
    drive_ws);
}

result run_bare_ws(const options& o) {
  bare_ws_server server;
  return drive_ws(server.port(), o);
}

} // namespace http_bench
