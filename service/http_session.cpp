// ringactor service: one connection of the HTTP server (http_session.hpp),
// over TCP or TLS. Each session runs on its own strand; an asynchronous
// answer is posted to it, so that the session's state is only ever touched
// there.
#include "http_session.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <random>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <openssl/ssl.h>
#include <fmt/format.h>

#include <ringactor/logger.hpp>

namespace ringactor::service::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

/// The client's X-Request-Id if usable (1 to 128 of [A-Za-z0-9._:-]: it is
/// logged and echoed, so nothing that could forge a line or a header).
bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
          || c == '_' || c == ':' || c == '-'))
      return false;
  return true;
}

/// 32 random hex digits (a 128-bit id, as a trace id is).
std::string fresh_request_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return text;
}

} // namespace

template <class Stream>
Stream basic_session<Stream>::make_stream(tcp::socket socket, http_server::impl& owner) {
  if constexpr (is_tls)
    return Stream{std::move(socket), *owner.tls};
  else
    return Stream{std::move(socket)};
}

// -- what the server and the handles ask -------------------------------------------

template <class Stream>
void basic_session<Stream>::start(bool over_limit) {
  if (over_limit) {
    auto refusal = http_response::error(
      503, "too_many_connections",
      fmt::format("the server holds {} connections, its max_connections",
                  owner_->options.max_connections));
    if constexpr (is_tls) {
      // A TLS client understands nothing before the handshake: the refusal
      // needs one (bounded like any), and costs no more than serving would.
      phase_ = read_phase::handshake;
      arm_read_deadline(owner_->header_timeout());
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = self(), refusal](beast::error_code ec) mutable {
                                self->cancel_read_deadline();
                                if (ec || self->closed_) {
                                  self->owner_->tls_handshake_failures.fetch_add(
                                    1, std::memory_order_relaxed);
                                  self->shutdown();
                                  return;
                                }
                                self->tls_ready_ = true;
                                self->send(std::move(refusal), false);
                              });
      return;
    }
    send(std::move(refusal), false);
    return;
  }
  // The first request's header deadline counts from the accept: a client
  // that connects and sends nothing (or handshakes slowly) holds the
  // connection no longer than header_timeout.
  arm_read_deadline(owner_->header_timeout());
  if constexpr (is_tls)
    handshake();
  else
    read();
}

template <class Stream>
void basic_session<Stream>::close_if_idle() {
  asio::dispatch(stream_.get_executor(), [self = self()] {
    if (!self->busy_)
      self->shutdown();
    else if (self->streaming_)
      self->end_stream();
    else if (self->ws_)
      self->ws_close(boost::beast::websocket::close_code::going_away);
  });
}

template <class Stream>
void basic_session<Stream>::force_close() {
  asio::dispatch(stream_.get_executor(), [self = self()] {
    if (self->closed_) {
      // Closing already (a TLS close_notify being written): no waiting.
      beast::error_code ignored;
      self->tcp_layer().socket().close(ignored);
      return;
    }
    if (self->awaiting_) {
      if (self->cancel_)
        self->cancel_->cancel(cancel_reason::server_stop);
      self->awaiting_ = false;
      self->send(http_response::error(503, "shutting_down",
                                      "the server stopped before the answer came"),
                 false);
      return;
    }
    self->shutdown();
  });
}

template <class Stream>
void basic_session<Stream>::notify_stream() {
  asio::post(stream_.get_executor(), [weak = weak_self()] {
    if (auto s = weak.lock())
      s->pump();
  });
}

template <class Stream>
void basic_session<Stream>::close_stream() {
  asio::post(stream_.get_executor(), [weak = weak_self()] {
    if (auto s = weak.lock())
      s->end_stream();
  });
}

template <class Stream>
void basic_session<Stream>::queue_ws(std::string text) {
  asio::post(stream_.get_executor(), [weak = weak_self(), text = std::move(text)]() mutable {
    if (auto s = weak.lock())
      s->ws_queue(std::move(text));
  });
}

template <class Stream>
void basic_session<Stream>::close_ws() {
  asio::post(stream_.get_executor(), [weak = weak_self()] {
    if (auto s = weak.lock())
      s->ws_close(boost::beast::websocket::close_code::normal);
  });
}

// -- deadlines ------------------------------------------------------------------------

template <class Stream>
void basic_session<Stream>::arm_read_deadline(std::chrono::milliseconds limit) {
  auto generation = ++read_generation_;
  timed_out_ = false;
  read_timer_.expires_after(limit);
  read_timer_.async_wait([self = self(), generation](beast::error_code ec) {
    if (ec || self->closed_ || generation != self->read_generation_)
      return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->tcp_layer().socket().cancel(ignored);
  });
}

template <class Stream>
void basic_session<Stream>::cancel_read_deadline() {
  ++read_generation_;
  read_timer_.cancel();
}

template <class Stream>
void basic_session<Stream>::arm_write_deadline() {
  auto generation = ++write_generation_;
  write_timer_.expires_after(owner_->options.read_timeout);
  write_timer_.async_wait([self = self(), generation](beast::error_code ec) {
    if (ec || generation != self->write_generation_)
      return;
    // The write stalls (the client stopped reading): a TLS record may be
    // half sent, so no close_notify can follow. Closing the socket ends
    // the write (and a close_notify being written) with an error.
    self->tls_ready_ = false;
    beast::error_code ignored;
    self->tcp_layer().socket().close(ignored);
  });
}

template <class Stream>
void basic_session<Stream>::cancel_write_deadline() {
  ++write_generation_;
  write_timer_.cancel();
}

// -- reading a request ------------------------------------------------------------------

template <class Stream>
void basic_session<Stream>::handshake() {
  if constexpr (is_tls) {
    phase_ = read_phase::handshake;
    stream_.async_handshake(boost::asio::ssl::stream_base::server, [self = self()](
                                                                     beast::error_code ec) {
      if (self->closed_)
        return;
      if (ec) {
        auto failures = self->owner_->tls_handshake_failures.fetch_add(1, std::memory_order_relaxed)
                        + 1;
        beast::error_code peer_ec;
        auto peer = self->tcp_layer().socket().remote_endpoint(peer_ec);
        log_warn("service: a TLS handshake from {} failed ({} so far): {}",
                 peer_ec ? std::string{"?"} : peer.address().to_string(), failures,
                 self->timed_out_ ? std::string{"header_timeout passed"} : ec.message());
        self->cancel_read_deadline();
        self->shutdown();
        return;
      }
      self->tls_ready_ = true;
      self->read(); // the header deadline still counts from the accept
    });
  }
}

template <class Stream>
void basic_session<Stream>::read() {
  request_id_.clear();
  cancel_.reset();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(owner_->options.max_header_bytes));
  parser_->body_limit(owner_->options.max_body_bytes);
  busy_ = false;
  if (first_request_) {
    read_header(); // its deadline runs since the accept
    return;
  }
  if (buffer_.size() > 0) {
    // The next request came with the last one: it has started.
    arm_read_deadline(owner_->header_timeout());
    read_header();
    return;
  }
  wait_for_request();
}

template <class Stream>
void basic_session<Stream>::wait_for_request() {
  phase_ = read_phase::idle;
  arm_read_deadline(owner_->idle_timeout());
  // One read of whatever comes first (through TLS: the first decrypted
  // bytes): the request has started then, and its header deadline runs.
  constexpr std::size_t first_read = 4096;
  stream_.async_read_some(buffer_.prepare(first_read),
                          [self = self()](beast::error_code ec, std::size_t n) {
                            if (ec) {
                              self->on_read(ec);
                              return;
                            }
                            self->buffer_.commit(n);
                            self->arm_read_deadline(self->owner_->header_timeout());
                            self->read_header();
                          });
}

template <class Stream>
void basic_session<Stream>::read_header() {
  phase_ = read_phase::header;
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = self()](beast::error_code ec, std::size_t) {
                            self->on_header(ec);
                          });
}

template <class Stream>
void basic_session<Stream>::on_header(beast::error_code ec) {
  if (ec || parser_->is_done()) {
    on_read(ec);
    return;
  }
  // The body's own deadline, from the end of the header: a slow upload
  // is bounded apart from a slow header.
  phase_ = read_phase::body;
  arm_read_deadline(owner_->body_timeout());
  http::async_read(stream_, buffer_, *parser_,
                   [self = self()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

template <class Stream>
void basic_session<Stream>::on_read(beast::error_code ec) {
  if (closed_)
    return;
  busy_ = true;
  bool timed_out = timed_out_;
  cancel_read_deadline();
  if (timed_out && ec == asio::error::operation_aborted)
    ec = beast::error::timeout;
  if (ec == beast::error::timeout) {
    // Nothing of a request came: an idle keep-alive connection (or a
    // connection that never sent one) closes without an answer. Part of
    // one: the client is too slow.
    bool started = phase_ == read_phase::body || buffer_.size() > 0 || parser_->got_some();
    if (phase_ == read_phase::idle || !started) {
      shutdown();
      return;
    }
    auto body = phase_ == read_phase::body;
    auto limit = body ? owner_->body_timeout() : owner_->header_timeout();
    send(http_response::error(408, "request_timeout",
                              fmt::format("the request's {} did not arrive within {} ({} ms)",
                                          body ? "body" : "header",
                                          body ? "body_timeout" : "header_timeout", limit.count())),
         false);
    return;
  }
  if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted
      || ec == asio::error::connection_reset || ec == asio::error::eof
      || ec == boost::asio::ssl::error::stream_truncated) {
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
    if (ec.category() == asio::error::get_ssl_category()) {
      // The TLS stream broke (a bad record): nothing more can be said on it.
      tls_ready_ = false;
      shutdown();
      return;
    }
    send(http_response::error(400, "bad_request",
                              fmt::format("malformed HTTP request: {}", ec.message())),
         false);
    return;
  }
  first_request_ = false;
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
  beast::error_code peer_ec;
  auto peer = tcp_layer().socket().remote_endpoint(peer_ec);
  if (!peer_ec)
    req.remote_address = peer.address().to_string();
  auto id = req.header("X-Request-Id");
  req.request_id = usable_request_id(id) ? std::string{id} : fresh_request_id();
  req.cancel = std::make_shared<cancellation>();
  request_id_ = req.request_id;
  cancel_ = req.cancel;
  serve(std::move(req), msg.keep_alive());
}

// -- answering -----------------------------------------------------------------------------

template <class Stream>
void basic_session<Stream>::serve(http_request req, bool keep_alive) {
  auto m = owner_->match(req);
  if (m.entry == nullptr) {
    if (owner_->outer_layers->empty()) {
      send(std::move(m.refusal), keep_alive);
      return;
    }
    // The server's layers see a refused request too (a CORS preflight, the
    // access log); the refusal is the end of its way.
    auto refused = std::make_shared<const layer_chain>(layer_chain{
      owner_->outer_layers,
      {},
      [refusal = std::move(m.refusal)](const http_request&, responder answer) {
        answer(refusal);
      }});
    serve_async(std::move(refused), std::move(req), keep_alive);
    return;
  }
  if (m.entry->chain->size() > 0) {
    if (m.entry->stream || m.entry->ws) {
      admitting_ = m.entry;
      admitting_request_ = req;
    }
    serve_async(m.entry->chain, std::move(req), keep_alive);
    return;
  }
  try {
    if (m.entry->sync) {
      send(m.entry->sync(req), keep_alive);
      return;
    }
    if (m.entry->stream || m.entry->ws) {
      open_stream_route(*m.entry, req, keep_alive, {});
      return;
    }
    awaiting_ = true;
    keep_alive_ = keep_alive;
    m.entry->async(req, make_responder());
    watch_disconnect();
  } catch (const std::exception& e) {
    log_error("service: the handler of {} {} threw: {}", req.method, req.path, e.what());
    // An asynchronous handler's responder, destroyed by the throw, has
    // answered 500 "no_answer" already (posted: it comes after this).
    if (!awaiting_)
      send(http_response::error(500, "internal", "the handler failed (see the server's log)"),
           keep_alive);
  }
}

template <class Stream>
void basic_session<Stream>::serve_async(std::shared_ptr<const layer_chain> chain, http_request req,
                                        bool keep_alive) {
  awaiting_ = true;
  keep_alive_ = keep_alive;
  auto method = req.method;
  auto path = req.path;
  try {
    // The request is shared: a layer may call next later, from any thread.
    detail::run_chain(std::move(chain), std::make_shared<const http_request>(std::move(req)),
                      make_responder());
    watch_disconnect();
  } catch (const std::exception& e) {
    // The responder, destroyed by the throw, has answered 500 "no_answer".
    log_error("service: a layer or the handler of {} {} threw: {}", method, path, e.what());
  }
}

template <class Stream>
responder basic_session<Stream>::make_responder() {
  // The responder holds the session weakly (the server's set owns it): an
  // answer after the connection closed, or after the server stopped and its
  // threads ended, finds nothing and is dropped, and a posted answer that
  // never runs keeps nothing alive.
  return responder{[weak = weak_self()](http_response res) {
    auto self = weak.lock();
    if (!self)
      return;
    asio::post(self->stream_.get_executor(), [weak, res = std::move(res)]() mutable {
      if (auto s = weak.lock())
        s->answer(std::move(res));
    });
  }};
}

template <class Stream>
void basic_session<Stream>::watch_disconnect() {
  if (!awaiting_ || closed_)
    return;
  // A client that closes its connection makes the socket readable (EOF):
  // peek, so that a pipelined request stays for the next read. Over TLS a
  // client's close may come as a close_notify record first, which the peek
  // cannot tell from a pipelined request: then the close is noticed when the
  // answer's write fails, and the cancellation fires there (shutdown).
  tcp_layer().socket().async_wait(tcp::socket::wait_read, [self = self(),
                                                           cancel = cancel_](beast::error_code ec) {
    if (ec || self->closed_ || !self->awaiting_ || self->cancel_ != cancel)
      return;
    char c = 0;
    auto n = ::recv(self->tcp_layer().socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      cancel->cancel(cancel_reason::disconnect);
      self->shutdown();
    }
  });
}

template <class Stream>
void basic_session<Stream>::answer(http_response res) {
  if (closed_ || !awaiting_)
    return;
  awaiting_ = false;
  if (auto* entry = std::exchange(admitting_, nullptr)) {
    auto req = std::move(*admitting_request_);
    admitting_request_.reset();
    auto admit = std::find_if(res.headers.begin(), res.headers.end(),
                              [](auto& h) { return h.first == admit_header; });
    if (admit != res.headers.end()) {
      // Every layer let it through: open the stream, with the header
      // fields the layers added (CORS, ...).
      res.headers.erase(admit);
      try {
        open_stream_route(*entry, req, keep_alive_, std::move(res.headers));
      } catch (const std::exception& e) {
        log_error("service: the handler of {} {} threw: {}", req.method, req.path, e.what());
        send(http_response::error(500, "internal", "the handler failed (see the server's log)"),
             keep_alive_);
      }
      return;
    }
    // A layer answered itself (401, 429, 504, ...): that is the answer.
  }
  send(std::move(res), keep_alive_);
}

template <class Stream>
void basic_session<Stream>::open_stream_route(
  const route_entry& entry, const http_request& req, bool keep_alive,
  std::vector<std::pair<std::string, std::string>> extra) {
  if (entry.ws) {
    if (!boost::beast::websocket::is_upgrade(parser_->get())) {
      auto r = http_response::error(426, "upgrade_required",
                                    fmt::format("{} speaks WebSocket only", req.path));
      r.headers.emplace_back("Upgrade", "websocket");
      send(std::move(r), keep_alive);
      return;
    }
    auto reply = entry.ws(req, std::make_shared<ws_handle>(weak_self()));
    if (auto* res = std::get_if<http_response>(&reply))
      send(std::move(*res), keep_alive);
    else
      start_ws(std::move(std::get<ws_start>(reply)));
    return;
  }
  auto reply = entry.stream(req, std::make_shared<stream_handle>(weak_self()));
  if (auto* res = std::get_if<http_response>(&reply)) {
    send(std::move(*res), keep_alive);
    return;
  }
  auto start = std::move(std::get<stream_start>(reply));
  for (auto& h : extra)
    start.headers.push_back(std::move(h));
  start_stream(std::move(start));
}

template <class Stream>
void basic_session<Stream>::send(http_response res, bool keep_alive) {
  keep_alive = keep_alive && !owner_->stopping.load(std::memory_order_acquire);
  auto out = std::make_shared<http::response<http::string_body>>();
  out->version(11);
  out->result(res.status);
  out->set(http::field::server, "ringactor-server");
  if (!res.content_type.empty()) // a 204 (a CORS preflight's answer) has none
    out->set(http::field::content_type, res.content_type);
  for (auto& [key, value] : res.headers)
    out->insert(key, value);
  if (!request_id_.empty())
    out->set("X-Request-Id", request_id_);
  out->body() = std::move(res.body);
  out->keep_alive(keep_alive);
  out->prepare_payload();
  arm_write_deadline();
  http::async_write(
    stream_, *out, [self = self(), out, keep_alive](beast::error_code ec, std::size_t) {
      self->cancel_write_deadline();
      if (ec || !keep_alive || self->owner_->stopping.load(std::memory_order_acquire)) {
        self->shutdown();
        return;
      }
      self->read();
    });
}

template <class Stream>
void basic_session<Stream>::shutdown() {
  if (closed_)
    return;
  closed_ = true;
  if (awaiting_ && cancel_)
    cancel_->cancel(cancel_reason::disconnect); // the answer has nowhere to go
  awaiting_ = false;
  cancel_read_deadline();
  stream_closed();
  ws_closed();
  if constexpr (is_tls) {
    if (tls_ready_) {
      // A close_notify, so that the client tells the end of a body that ends
      // with the connection (an event stream) from a cut. One way only:
      // marked as received, the peer's close_notify is not waited for, and
      // the close takes no longer than writing ours (bounded as any write).
      // A read still pending (a keep-alive wait, a stream's watch) is
      // cancelled first; the TLS stream serializes the rest.
      tls_ready_ = false;
      beast::error_code ignored;
      tcp_layer().socket().cancel(ignored);
      SSL_set_shutdown(stream_.native_handle(), SSL_RECEIVED_SHUTDOWN);
      arm_write_deadline();
      stream_.async_shutdown([self = self()](beast::error_code) {
        self->cancel_write_deadline();
        self->close_socket();
      });
      return;
    }
  }
  close_socket();
}

template <class Stream>
void basic_session<Stream>::close_socket() {
  cancel_write_deadline();
  beast::error_code ignored;
  tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp_layer().close();
  owner_->remove(self());
}

template class basic_session<plain_stream>;
template class basic_session<tls_stream>;

} // namespace ringactor::service::detail
