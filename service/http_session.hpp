// ringactor service: the server's shared state and one connection's session
// (http_server.hpp). Not installed: only http_server.cpp and
// http_session.cpp see it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
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
#include <type_traits>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

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
  // Made by start() when the options name a certificate: every session
  // speaks TLS with it. Fixed once start() ran.
  std::unique_ptr<boost::asio::ssl::context> tls;
  // TLS handshakes that failed (a plain-HTTP client, garbage, a refused or
  // missing client certificate, a timeout). Relaxed: a count only, that no
  // other memory access pairs with.
  std::atomic<std::uint64_t> tls_handshake_failures{0};

  /// The effective timeouts: each 0 in the options means read_timeout.
  std::chrono::milliseconds header_timeout() const {
    return options.header_timeout.count() > 0 ? options.header_timeout : options.read_timeout;
  }
  std::chrono::milliseconds body_timeout() const {
    return options.body_timeout.count() > 0 ? options.body_timeout : options.read_timeout;
  }
  std::chrono::milliseconds idle_timeout() const {
    return options.idle_timeout.count() > 0 ? options.idle_timeout : options.read_timeout;
  }

  // Open sessions (guarded by mtx; drained signalled by cv when the last
  // one goes during stop()).
  mutable std::mutex mtx;
  std::condition_variable drained;
  std::set<std::shared_ptr<detail::session>> sessions;
  // Every session not yet destroyed, closed ones too (guarded by mtx;
  // expired entries are pruned as it grows): a closed session lives on in
  // the handlers of its cancelled operations, and those hold this state
  // through owner_. stop() drains them, so no cycle outlives the server.
  std::vector<std::weak_ptr<detail::session>> every_session;

  std::size_t connection_count() const {
    std::lock_guard guard{mtx};
    return sessions.size();
  }

  void add_route(std::string method, std::string pattern, detail::route_entry entry);
  /// Builds every route's layer chain (start()).
  void build_chains();
  /// Loads the certificate, key and client CA of the options into `tls`;
  /// an error names the key and the file.
  expected<void> load_tls();
  void accept();
  void remove(const std::shared_ptr<detail::session>& s);
  /// Selects the route of `req` and fills req.params.
  detail::route_match match(http_request& req) const;
};

namespace detail {

/// The two transports a session speaks HTTP over: TCP, or TLS on TCP
/// (server_options::tls_cert_file). A session is a template over them
/// (basic_session), instantiated for both in the .cpp files.
using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// One connection, whatever its transport: what the server and the
/// producers' handles (stream_handle, ws_handle) ask of it. Every call
/// posts to (or dispatches on) the session's strand.
class session : public std::enable_shared_from_this<session> {
public:
  virtual ~session() = default;

  /// Starts reading (after the TLS handshake), or answers 503 and closes
  /// when the server is full.
  virtual void start(bool over_limit) = 0;

  /// Closes the connection if it waits for a request; one that is
  /// answering closes after its answer (stopping is set).
  virtual void close_if_idle() = 0;

  /// Closes the connection; one that waits for an asynchronous answer is
  /// answered 503 "shutting_down" first.
  virtual void force_close() = 0;

  /// Only once the server's threads are joined (stop()): closes the socket
  /// on the calling thread, so that every operation still pending on it
  /// completes, cancelled, on the next poll and lets go of the session.
  virtual void abandon() = 0;

  /// A stream's producer has a piece (stream_handle::notify), or is done.
  virtual void notify_stream() = 0;
  virtual void close_stream() = 0;

  /// A WebSocket route sends `text` (ws_handle::send), or closes.
  virtual void queue_ws(std::string text) = 0;
  virtual void close_ws() = 0;
};

/// Where a session is in reading a request: its deadline and what a
/// timeout means depend on it.
enum class read_phase {
  handshake, ///< the TLS handshake (bounded by header_timeout from accept)
  idle,      ///< a keep-alive connection waits for a request's first byte
  header,    ///< the request line and header fields
  body,      ///< the body, after the header
};

/// One connection over `Stream` (plain_stream or tls_stream): reads
/// requests one at a time (HTTP/1.1 keep-alive, no pipelining beyond what
/// the parser buffers), answers each, from a synchronous handler at once or
/// from an asynchronous one's responder.
template <class Stream>
class basic_session final : public session {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  basic_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<http_server::impl> owner)
    : owner_(std::move(owner)),
      stream_(make_stream(std::move(socket), *owner_)),
      read_timer_(stream_.get_executor()),
      write_timer_(stream_.get_executor()) {}

  void start(bool over_limit) override;
  void close_if_idle() override;
  void force_close() override;
  void abandon() override;
  void notify_stream() override;
  void close_stream() override;
  void queue_ws(std::string text) override;
  void close_ws() override;

private:
  static Stream make_stream(boost::asio::ip::tcp::socket socket, http_server::impl& owner);

  std::shared_ptr<basic_session> self() {
    return std::static_pointer_cast<basic_session>(shared_from_this());
  }
  std::weak_ptr<basic_session> weak_self() { return self(); }
  /// The TCP layer under the stream (the stream itself when plain).
  boost::beast::tcp_stream& tcp_layer() { return boost::beast::get_lowest_layer(stream_); }

  // -- deadlines -------------------------------------------------------------------

  /// Cuts the pending read off after `limit` (on_read sees it as a timeout):
  /// a timer of our own, not the tcp_stream's expiry (which closes the
  /// socket), so that a late request still gets its 408.
  void arm_read_deadline(std::chrono::milliseconds limit);
  void cancel_read_deadline();
  /// Closes the connection if the write started now has not completed
  /// after read_timeout (a client that stopped reading).
  void arm_write_deadline();
  void cancel_write_deadline();

  // -- reading and answering requests -----------------------------------------------

  /// start() on the strand.
  void begin(bool over_limit);
  void handshake();
  /// Prepares the next request and waits for it (idle), or reads its header
  /// at once (the first request, or bytes that came with the last one).
  void read();
  /// A keep-alive connection's wait for the next request's first byte.
  void wait_for_request();
  void read_header();
  void on_header(boost::beast::error_code ec);
  void on_read(boost::beast::error_code ec);
  void serve(http_request req, bool keep_alive);
  /// Runs `chain` for `req`; the answer comes through a responder.
  void serve_async(std::shared_ptr<const layer_chain> chain, http_request req, bool keep_alive);
  /// A responder that posts its answer to this session.
  responder make_responder();
  /// While an answer is awaited, notices the client closing the connection
  /// (over TLS: its close_notify too) and fires the request's cancellation
  /// then.
  void watch_disconnect();
  /// An asynchronous answer, on the session's strand.
  void answer(http_response res);
  /// Serves a stream or WebSocket route: its handler's refusal, or the
  /// stream or upgrade. `extra` are header fields the layers added (a
  /// stream's head carries them).
  void open_stream_route(const route_entry& entry, const http_request& req, bool keep_alive,
                         std::vector<std::pair<std::string, std::string>> extra);
  void send(http_response res, bool keep_alive);
  /// Ends the connection: over TLS a close_notify first (unless the TLS
  /// stream broke), then the socket closes and the server forgets it.
  void shutdown();
  void close_socket();

  // -- a streaming response (http_stream.cpp) ----------------------------------

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
  Stream stream_;
  // The read deadline (and the bound of a WebSocket's close), and the write
  // deadline. Each arm or cancel bumps the generation: a timer whose
  // expiry was already queued when its deadline was cancelled finds
  // another generation and does nothing (never cuts the next operation).
  boost::asio::steady_timer read_timer_;
  std::uint64_t read_generation_ = 0;
  boost::asio::steady_timer write_timer_;
  std::uint64_t write_generation_ = 0;
  bool timed_out_ = false;
  read_phase phase_ = read_phase::header;
  // No request was read yet: the first one's header deadline counts from
  // the connection's accept.
  bool first_request_ = true;
  // TLS: the handshake completed, and the stream has not broken since (a
  // write cut off mid-record): a close_notify can be sent.
  bool tls_ready_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool busy_ = true; // answering (or starting): not idle
  bool closed_ = false;
  // Waiting for a responder's answer, and whether to keep the connection then.
  bool awaiting_ = false;
  bool keep_alive_ = false;
  // TLS: the disconnect watch's read is pending, and an answer that came
  // meanwhile waits for its cancellation (watch_disconnect).
  bool watching_ = false;
  std::optional<http_response> parked_answer_;
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
template <class Stream>
struct basic_session<Stream>::stream_state {
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
/// works on the session's stream (by reference).
template <class Stream>
struct basic_session<Stream>::ws_state {
  explicit ws_state(Stream& next, ws_start s) : ws(next), start(std::move(s)) {}

  boost::beast::websocket::stream<Stream&> ws;
  ws_start start;
  boost::beast::flat_buffer in;
  std::deque<std::string> out;
  bool open = false;    // the handshake is done
  bool writing = false; // a message (or the close frame) is being written
  bool closing = false; // a close frame is queued after `out`
  boost::beast::websocket::close_reason reason;
};

// Instantiated in http_session.cpp (and the members of http_stream.cpp and
// http_ws.cpp there): the other files only name them.
extern template class basic_session<plain_stream>;
extern template class basic_session<tls_stream>;

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
