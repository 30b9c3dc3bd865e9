// ringactor service: one connection of the HTTP server (http_session.hpp),
// over TCP or TLS: what the server asks of it, and the answers. Reading a
// request is http_read.cpp. Each session runs on its own strand; an
// asynchronous answer is posted to it, so that the session's state is only
// ever touched there.
#include "http_session.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

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
  // The accept handler runs on the server's io_context, not on this
  // session's strand, where stop()'s close_if_idle may already be waiting.
  asio::dispatch(stream_.get_executor(), [self = self(), over_limit] { self->begin(over_limit); });
}

template <class Stream>
void basic_session<Stream>::begin(bool over_limit) {
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
void basic_session<Stream>::abandon() {
  closed_ = true;
  awaiting_ = false;
  cancel_read_deadline();
  cancel_write_deadline();
  beast::error_code ignored;
  tcp_layer().socket().close(ignored);
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
  if constexpr (is_tls) {
    // A TLS client's close comes as a close_notify record (then EOF), which
    // a peek cannot tell from a pipelined request: read through the TLS
    // stream instead, keeping what comes for the next request (bounded by
    // max_header_bytes; past it the watch stops). answer() parks its answer
    // and cancels this read first: the stream takes one read at a time.
    if (buffer_.size() >= owner_->options.max_header_bytes)
      return;
    watching_ = true;
    constexpr std::size_t watch_read = 1024;
    stream_.async_read_some(buffer_.prepare(watch_read), [self = self(), cancel = cancel_](
                                                           beast::error_code ec, std::size_t n) {
      self->watching_ = false;
      if (!ec)
        self->buffer_.commit(n);
      if (self->closed_)
        return;
      if (auto res = std::exchange(self->parked_answer_, std::nullopt)) {
        self->answer(std::move(*res)); // the answer came: the cancelled read was ours
        return;
      }
      if (ec == asio::error::operation_aborted)
        return;
      if (ec) {
        // A close_notify (eof), a cut (stream_truncated) or a reset.
        if (self->awaiting_ && self->cancel_ == cancel)
          cancel->cancel(cancel_reason::disconnect);
        self->shutdown();
        return;
      }
      self->watch_disconnect(); // a pipelined request's bytes: kept, and watching on
    });
    return;
  }
  // A client that closes its connection makes the socket readable (EOF):
  // peek, so that a pipelined request stays for the next read.
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
  if (watching_) {
    // The TLS watch's read is pending: the answer waits for its end.
    parked_answer_ = std::move(res);
    beast::error_code ignored;
    tcp_layer().socket().cancel(ignored);
    return;
  }
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
