// ringactor service: a session's reading of a request (http_session.hpp):
// the TLS handshake, the deadlines (idle_timeout before a request's first
// byte, header_timeout to the end of its header, body_timeout to the end of
// its body) and what a reading error answers. On the session's strand.
#include "http_session.hpp"

#include <fmt/format.h>

#include <ringactor/logger.hpp>

#include "request_id.hpp"

namespace ringactor::service::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// -- deadlines ------------------------------------------------------------------------

template <class Stream>
void basic_session<Stream>::arm_read_deadline(std::chrono::milliseconds limit) {
  auto generation = ++read_generation_;
  timed_out_ = false;
  read_timer_.expires_after(limit);
  // Weak: a deadline guards a pending read, whose own handler keeps the
  // session alive; a timer must not, or a session closed with a timer still
  // armed (a stop racing an accept) would keep itself, and through owner_
  // the server's state and io_context, alive in a cycle.
  read_timer_.async_wait([weak = weak_self(), generation](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_ || generation != self->read_generation_)
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
  write_timer_.async_wait([weak = weak_self(), generation](beast::error_code ec) {
    auto self = weak.lock(); // weak: as the read deadline's
    if (ec || !self || generation != self->write_generation_)
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
    busy_ = false; // nothing of a request came: a stop closes it at once
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
                            if (ec || self->closed_) {
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
  if (ec || closed_ || parser_->is_done()) {
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

// The members of this file, for both transports (the class itself is
// instantiated in http_session.cpp).
#define RINGACTOR_READ_MEMBERS(S)                                               \
  template void basic_session<S>::arm_read_deadline(std::chrono::milliseconds); \
  template void basic_session<S>::cancel_read_deadline();                       \
  template void basic_session<S>::arm_write_deadline();                         \
  template void basic_session<S>::cancel_write_deadline();                      \
  template void basic_session<S>::handshake();                                  \
  template void basic_session<S>::read();                                       \
  template void basic_session<S>::wait_for_request();                           \
  template void basic_session<S>::read_header();                                \
  template void basic_session<S>::on_header(beast::error_code);                 \
  template void basic_session<S>::on_read(beast::error_code);
RINGACTOR_READ_MEMBERS(plain_stream)
RINGACTOR_READ_MEMBERS(tls_stream)
#undef RINGACTOR_READ_MEMBERS

} // namespace ringactor::service::detail
