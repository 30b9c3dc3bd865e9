// ringactor service: the server's shared state and one connection's session
// (http_server.hpp). Not installed: only http_server.cpp and
// http_session.cpp see it.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "ringactor/service/cancellation.hpp"
#include "ringactor/service/http_server.hpp"

namespace ringactor::service {

namespace detail {

class session;

/// The header field with which the end of a stream or WebSocket route's
/// layer chain admits the request (http_server.cpp): the session opens the
/// stream then instead of sending the answer. Never sent to a client.
inline constexpr std::string_view admit_header = "X-Ringactor-Admit";

/// The handlers of one pattern for one method: exactly one is set.
struct route_entry {
  route_handler sync;
  async_route_handler async;
  stream_route_handler stream;
  ws_route_handler ws;
  /// The route's own layers, and (made by start()) the whole way through
  /// the server's layers, these and the handler.
  std::vector<layer> layers;
  std::shared_ptr<const layer_chain> chain;
};

/// A path pattern split at '/': "{name}" segments are parameters.
struct route_pattern {
  std::string text;
  std::vector<std::string> segments;
  std::size_t params = 0;
  std::map<std::string, route_entry> methods;
};

/// What a request's path and method select: a route, or the 404/405.
struct route_match {
  const route_entry* entry = nullptr;
  http_response refusal;
};

} // namespace detail

struct http_server::impl : std::enable_shared_from_this<impl> {
  explicit impl(server_options opts)
    : options(std::move(opts)), acceptor(boost::asio::make_strand(io)) {}

  server_options options;
  boost::asio::io_context io;
  // On its own strand: the accept loop and stop() both touch it.
  boost::asio::ip::tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  // Written by start() and read by port() from any thread (release/acquire).
  std::atomic<std::uint16_t> bound_port{0};
  // Set once by stop() (acq_rel exchange); read by sessions and the accept
  // loop (acquire) to close instead of serving on.
  std::atomic<bool> stopping{false};
  bool started = false;
  // Exact paths and patterns, sorted (fewest parameters first) by start();
  // fixed once start() ran.
  std::vector<detail::route_pattern> routes;
  // The server's layers (use()); shared by every chain once start() ran.
  std::vector<layer> layers;
  std::shared_ptr<const std::vector<layer>> outer_layers;

  // Open sessions (guarded by mtx; drained signalled by cv when the last
  // one goes during stop()).
  mutable std::mutex mtx;
  std::condition_variable drained;
  std::set<std::shared_ptr<detail::session>> sessions;

  std::size_t connection_count() const {
    std::lock_guard guard{mtx};
    return sessions.size();
  }

  void add_route(std::string method, std::string pattern, detail::route_entry entry);
  /// Builds every route's layer chain (start()).
  void build_chains();
  void accept();
  void remove(const std::shared_ptr<detail::session>& s);
  /// Selects the route of `req` and fills req.params.
  detail::route_match match(http_request& req) const;
};

namespace detail {

/// One connection: reads requests one at a time (HTTP/1.1 keep-alive,
/// no pipelining beyond what the parser buffers), answers each, from a
/// synchronous handler at once or from an asynchronous one's responder.
class session : public std::enable_shared_from_this<session> {
public:
  session(boost::asio::ip::tcp::socket socket, std::shared_ptr<http_server::impl> owner)
    : owner_(std::move(owner)), stream_(std::move(socket)), read_timer_(stream_.get_executor()) {}

  /// Starts reading, or answers 503 and closes when the server is full.
  void start(bool over_limit);

  /// Closes the connection if it waits for a request; one that is
  /// answering closes after its answer (stopping is set).
  void close_if_idle();

  /// Closes the connection; one that waits for an asynchronous answer is
  /// answered 503 "shutting_down" first.
  void force_close();

private:
  void read();
  void on_read(boost::beast::error_code ec);
  void serve(http_request req, bool keep_alive);
  /// Runs `chain` for `req`; the answer comes through a responder.
  void serve_async(std::shared_ptr<const layer_chain> chain, http_request req, bool keep_alive);
  /// A responder that posts its answer to this session.
  responder make_responder();
  /// While an answer is awaited, notices the client closing the connection
  /// and fires the request's cancellation then.
  void watch_disconnect();
  /// An asynchronous answer, on the session's strand.
  void answer(http_response res);
  /// Serves a stream or WebSocket route: its handler's refusal, or the
  /// stream or upgrade. `extra` are header fields the layers added (a
  /// stream's head carries them).
  void open_stream_route(const route_entry& entry, const http_request& req, bool keep_alive,
                         std::vector<std::pair<std::string, std::string>> extra);
  void send(http_response res, bool keep_alive);
  void shutdown();

  // -- a streaming response (http_stream.cpp) ----------------------------------

  friend class stream_handle;
  struct stream_state;
  /// Writes the head of `s`, then what its pull function gives.
  void start_stream(stream_start s);
  /// Writes the next piece if the stream is open and not writing.
  void pump();
  void write_piece(std::string piece);
  void on_piece_written(boost::beast::error_code ec);
  void arm_keepalive();
  /// Reads (and drops) whatever the client sends, to see it close at once.
  void watch_peer();
  /// Ends the stream after the piece being written.
  void end_stream();
  /// Runs on_close once (from shutdown).
  void stream_closed();

  // -- a WebSocket connection (http_ws.cpp) -------------------------------------

  friend class ws_handle;
  struct ws_state;
  /// Answers the upgrade of the request just read, then reads messages.
  void start_ws(ws_start s);
  void ws_read();
  /// Writes the next queued message if none is being written.
  void ws_write_next();
  /// Queues `text` (on the strand); closes when the queue is full.
  void ws_queue(std::string text);
  /// Sends a close frame after the queued messages, then shuts down.
  void ws_close(boost::beast::websocket::close_reason why);
  /// Runs on_close once (from shutdown).
  void ws_closed();

  // First, so that it goes last: the session may be the last owner of the
  // server's state (released on another thread, such as a topic's
  // publisher in stream_handle::notify, after the server stopped), and its
  // socket and timers must go before the io_context they belong to.
  std::shared_ptr<http_server::impl> owner_;
  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer read_timer_;
  bool timed_out_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool busy_ = true; // answering (or starting): not idle
  bool closed_ = false;
  // Waiting for a responder's answer, and whether to keep the connection then.
  bool awaiting_ = false;
  bool keep_alive_ = false;
  // The request being served: its id (echoed in X-Request-Id) and its
  // cancellation (fired on disconnect and on a forced close).
  std::string request_id_;
  std::shared_ptr<cancellation> cancel_;
  // A stream or WebSocket route waiting for its layers' verdict (answer()
  // opens it when the chain's end admits it), and its request.
  const route_entry* admitting_ = nullptr;
  std::optional<http_request> admitting_request_;
  // Set while the connection answers with a stream (never reset: completion
  // handlers may still refer to its buffers after the close).
  std::unique_ptr<stream_state> streaming_;
  // Set while the connection speaks WebSocket (never reset, as streaming_).
  std::unique_ptr<ws_state> ws_;
};

/// What a streaming response keeps (http_stream.cpp).
struct session::stream_state {
  stream_state(boost::asio::any_io_executor ex, stream_start s)
    : start(std::move(s)), keepalive(std::move(ex)) {}

  stream_start start;
  std::string piece; // the piece being written
  bool writing = false;
  bool ending = false;
  bool wrote_since_tick = false;
  boost::asio::steady_timer keepalive;
  std::array<char, 512> peer_input{};
};

/// What a WebSocket connection keeps (http_ws.cpp). The websocket stream
/// works on the session's tcp_stream (by reference).
struct session::ws_state {
  explicit ws_state(boost::beast::tcp_stream& next, ws_start s) : ws(next), start(std::move(s)) {}

  boost::beast::websocket::stream<boost::beast::tcp_stream&> ws;
  ws_start start;
  boost::beast::flat_buffer in;
  std::deque<std::string> out;
  bool open = false;    // the handshake is done
  bool writing = false; // a message (or the close frame) is being written
  bool closing = false; // a close frame is queued after `out`
  boost::beast::websocket::close_reason reason;
};

/// The handle of a session's WebSocket connection: posts to its strand.
class ws_handle final : public ws_channel {
public:
  explicit ws_handle(std::weak_ptr<session> s) : session_(std::move(s)) {}
  bool send(std::string text) override;
  void close() override;

private:
  std::weak_ptr<session> session_;
};

/// The producer's handle of a session's stream: posts to its strand, and
/// holds the session weakly (the server's set owns it).
class stream_handle final : public event_stream {
public:
  explicit stream_handle(std::weak_ptr<session> s) : session_(std::move(s)) {}
  void notify() override;
  void close() override;

private:
  std::weak_ptr<session> session_;
};

} // namespace detail

} // namespace ringactor::service
