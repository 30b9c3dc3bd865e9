// ringactor service: the HTTP server (http_server.hpp) on Boost.Beast. One
// session per connection, each on its own strand; the network threads run
// one io_context.
#include "ringactor/service/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <ringactor/json/json_text.hpp>
#include <ringactor/logger.hpp>

namespace ringactor::service {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// -- request and response -------------------------------------------------------

std::string_view http_request::header(std::string_view name) const noexcept {
  for (auto& [key, value] : headers)
    if (beast::iequals(key, name))
      return value;
  return {};
}

http_response http_response::json(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http_response http_response::error(unsigned status, std::string_view code,
                                   std::string_view message) {
  std::string body = "{\"error\":";
  wire::append_json_string(body, code);
  body += ",\"message\":";
  if (wire::append_json_string(body, message) != message.size())
    body += "\"(not valid UTF-8)\"";
  body += '}';
  return json(status, std::move(body));
}

// -- server state -------------------------------------------------------------------

namespace {

class session;

} // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
  explicit impl(server_options opts) : options(std::move(opts)), acceptor(asio::make_strand(io)) {}

  server_options options;
  asio::io_context io;
  // On its own strand: the accept loop and stop() both touch it.
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::atomic<std::uint16_t> bound_port{0};
  std::atomic<bool> stopping{false};
  bool started = false;
  // path -> method -> handler; fixed once start() ran.
  std::map<std::string, std::map<std::string, route_handler>, std::less<>> routes;

  // Open sessions (guarded by mtx; drained signalled by cv when the last
  // one goes during stop()).
  mutable std::mutex mtx;
  std::condition_variable drained;
  std::set<std::shared_ptr<session>> sessions;

  std::size_t connection_count() const {
    std::lock_guard guard{mtx};
    return sessions.size();
  }

  void accept();
  void remove(const std::shared_ptr<session>& s);
  http_response dispatch(const http_request& req) const;
};

namespace {

/// One connection: reads requests one at a time (HTTP/1.1 keep-alive,
/// no pipelining beyond what the parser buffers), answers each.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, std::shared_ptr<http_server::impl> owner)
    : stream_(std::move(socket)), read_timer_(stream_.get_executor()), owner_(std::move(owner)) {}

  /// Starts reading, or answers 503 and closes when the server is full.
  void start(bool over_limit) {
    if (over_limit) {
      send(http_response::error(503, "too_many_connections",
                                fmt::format("the server holds {} connections, its max_connections",
                                            owner_->options.max_connections)),
           false);
      return;
    }
    read();
  }

  /// Closes the connection if it waits for a request; one that is
  /// answering closes after its answer (stopping is set).
  void close_if_idle() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_)
        self->shutdown();
    });
  }

  void force_close() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->shutdown(); });
  }

private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(owner_->options.max_header_bytes));
    parser_->body_limit(owner_->options.max_body_bytes);
    // The read's deadline is a timer of our own, not the stream's expiry
    // (which closes the socket): a late request still gets its 408.
    stream_.expires_never();
    timed_out_ = false;
    read_timer_.expires_after(owner_->options.read_timeout);
    read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->closed_) {
        self->timed_out_ = true;
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);
      }
    });
    busy_ = false;
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    busy_ = true;
    read_timer_.cancel();
    if (timed_out_ && ec == asio::error::operation_aborted)
      ec = beast::error::timeout;
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted
        || ec == asio::error::connection_reset || ec == asio::error::eof) {
      shutdown();
      return;
    }
    if (ec == beast::error::timeout) {
      // Nothing of a request came: an idle keep-alive connection. Part of
      // one: the client is too slow.
      if (parser_->got_some())
        send(http_response::error(408, "request_timeout",
                                  "the request did not arrive within read_timeout"),
             false);
      else
        shutdown();
      return;
    }
    if (ec == http::error::header_limit) {
      send(http_response::error(431, "header_too_large",
                                fmt::format("the header block is larger than {} bytes",
                                            owner_->options.max_header_bytes)),
           false);
      return;
    }
    if (ec == http::error::body_limit) {
      send(http_response::error(413, "body_too_large",
                                fmt::format("the body is larger than {} bytes",
                                            owner_->options.max_body_bytes)),
           false);
      return;
    }
    if (ec) {
      send(http_response::error(400, "bad_request",
                                fmt::format("malformed HTTP request: {}", ec.message())),
           false);
      return;
    }
    auto& msg = parser_->get();
    http_request req;
    req.method = std::string{msg.method_string()};
    auto target = std::string_view{msg.target().data(), msg.target().size()};
    auto q = target.find('?');
    req.path = std::string{target.substr(0, q)};
    if (q != std::string_view::npos)
      req.query = std::string{target.substr(q + 1)};
    for (auto& field : msg)
      req.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
    req.body = std::move(msg.body());
    http_response res;
    try {
      res = owner_->dispatch(req);
    } catch (const std::exception& e) {
      log_error("service: the handler of {} {} threw: {}", req.method, req.path, e.what());
      res = http_response::error(500, "internal", "the handler failed (see the server's log)");
    }
    send(std::move(res), msg.keep_alive());
  }

  void send(http_response res, bool keep_alive) {
    keep_alive = keep_alive && !owner_->stopping.load(std::memory_order_acquire);
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(11);
    out->result(res.status);
    out->set(http::field::server, "ringactor-server");
    out->set(http::field::content_type, res.content_type);
    for (auto& [key, value] : res.headers)
      out->insert(key, value);
    out->body() = std::move(res.body);
    out->keep_alive(keep_alive);
    out->prepare_payload();
    stream_.expires_after(owner_->options.read_timeout);
    http::async_write(
      stream_, *out,
      [self = shared_from_this(), out, keep_alive](beast::error_code ec, std::size_t) {
        if (ec || !keep_alive || self->owner_->stopping.load(std::memory_order_acquire)) {
          self->shutdown();
          return;
        }
        self->read();
      });
  }

  void shutdown() {
    if (closed_)
      return;
    closed_ = true;
    read_timer_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    owner_->remove(shared_from_this());
  }

  beast::tcp_stream stream_;
  asio::steady_timer read_timer_;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http_server::impl> owner_;
  bool busy_ = true; // answering (or starting): not idle
  bool closed_ = false;
};

} // namespace

void http_server::impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [self = shared_from_this()](beast::error_code ec,
                                                                           tcp::socket socket) {
    if (ec || self->stopping.load(std::memory_order_acquire)) {
      if (ec != asio::error::operation_aborted && !self->stopping.load(std::memory_order_acquire))
        self->accept(); // a transient accept error (EMFILE, ...): keep serving
      return;
    }
    auto s = std::make_shared<session>(std::move(socket), self);
    bool over_limit = false;
    {
      std::lock_guard guard{self->mtx};
      over_limit = self->sessions.size() >= self->options.max_connections;
      self->sessions.insert(s);
    }
    s->start(over_limit);
    self->accept();
  });
}

void http_server::impl::remove(const std::shared_ptr<session>& s) {
  std::lock_guard guard{mtx};
  sessions.erase(s);
  if (sessions.empty())
    drained.notify_all();
}

http_response http_server::impl::dispatch(const http_request& req) const {
  auto i = routes.find(req.path);
  if (i == routes.end())
    return http_response::error(404, "not_found", fmt::format("no route for {}", req.path));
  auto j = i->second.find(req.method);
  if (j == i->second.end()) {
    std::string allow;
    for (auto& [method, handler] : i->second)
      allow += (allow.empty() ? "" : ", ") + method;
    auto r = http_response::error(405, "method_not_allowed",
                                  fmt::format("{} does not take {} (allowed: {})", req.path,
                                              req.method, allow));
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  return j->second(req);
}

// -- http_server --------------------------------------------------------------------

http_server::http_server(server_options options)
  : impl_(std::make_shared<impl>(std::move(options))) {}

http_server::~http_server() {
  stop();
}

void http_server::route(std::string method, std::string path, route_handler handler) {
  impl_->routes[std::move(path)][std::move(method)] = std::move(handler);
}

expected<void> http_server::start() {
  auto& d = *impl_;
  if (d.started || d.stopping.load(std::memory_order_acquire))
    return error{sec::invalid_argument, "the server was started (or stopped) already"};
  beast::error_code ec;
  auto address = asio::ip::make_address(d.options.address, ec);
  if (ec)
    return error{sec::invalid_argument,
                 fmt::format("http.address: '{}' is no IP address", d.options.address)};
  if (d.options.threads == 0)
    return error{sec::invalid_argument, "http.threads: expected at least 1, found 0"};
  tcp::endpoint endpoint{address, d.options.port};
  auto fail = [&](std::string_view what) -> expected<void> {
    beast::error_code ignored;
    d.acceptor.close(ignored);
    return error{sec::runtime_error,
                 fmt::format("cannot listen on {}:{}: {} ({})", d.options.address, d.options.port,
                             what, ec.message())};
  };
  d.acceptor.open(endpoint.protocol(), ec);
  if (ec)
    return fail("open");
  d.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    return fail("SO_REUSEADDR");
  d.acceptor.bind(endpoint, ec);
  if (ec)
    return fail("bind");
  d.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail("listen");
  d.bound_port.store(d.acceptor.local_endpoint().port(), std::memory_order_release);
  d.started = true;
  d.accept();
  for (std::size_t i = 0; i < d.options.threads; ++i)
    d.threads.emplace_back([self = impl_] {
      for (;;) {
        try {
          self->io.run();
          return;
        } catch (const std::exception& e) {
          log_error("service: a network thread caught: {}", e.what());
        }
      }
    });
  return {};
}

std::uint16_t http_server::port() const noexcept {
  return impl_->bound_port.load(std::memory_order_acquire);
}

std::size_t http_server::connections() const noexcept {
  return impl_->connection_count();
}

void http_server::stop() {
  auto& d = *impl_;
  if (d.stopping.exchange(true, std::memory_order_acq_rel) || !d.started)
    return;
  asio::dispatch(d.acceptor.get_executor(), [self = impl_] {
    beast::error_code ignored;
    self->acceptor.close(ignored);
  });
  std::vector<std::shared_ptr<session>> open;
  {
    std::lock_guard guard{d.mtx};
    open.assign(d.sessions.begin(), d.sessions.end());
  }
  for (auto& s : open)
    s->close_if_idle();
  open.clear();
  {
    std::unique_lock guard{d.mtx};
    d.drained.wait_for(guard, d.options.shutdown_grace, [&] { return d.sessions.empty(); });
    open.assign(d.sessions.begin(), d.sessions.end());
  }
  for (auto& s : open)
    s->force_close();
  open.clear();
  {
    std::unique_lock guard{d.mtx};
    d.drained.wait_for(guard, std::chrono::seconds{1}, [&] { return d.sessions.empty(); });
  }
  d.io.stop();
  for (auto& t : d.threads)
    if (t.joinable())
      t.join();
  d.threads.clear();
  // Run what the stop left queued (completions of closed sockets), so that
  // no handler keeps a session, and through it this state, alive.
  d.io.restart();
  d.io.poll();
  std::lock_guard guard{d.mtx};
  d.sessions.clear();
}

} // namespace ringactor::service
