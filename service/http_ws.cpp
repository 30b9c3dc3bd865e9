// ringactor service: a session's WebSocket connection (ws_channel.hpp). It
// runs on the session's strand like the rest of the session: the handshake,
// a read loop that hands each text message to the route, and a bounded queue
// of outgoing messages written one at a time.
#include "http_session.hpp"

#include <boost/asio/post.hpp>

#include <ringactor/logger.hpp>

namespace ringactor::service::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

// -- ws_handle -----------------------------------------------------------------------

bool ws_handle::send(std::string text) {
  auto s = session_.lock();
  if (!s)
    return false;
  s->queue_ws(std::move(text));
  return true;
}

void ws_handle::close() {
  if (auto s = session_.lock())
    s->close_ws();
}

// -- session ---------------------------------------------------------------------------

template <class Stream>
void basic_session<Stream>::start_ws(ws_start s) {
  ws_ = std::make_unique<ws_state>(stream_, std::move(s));
  if (owner_->options.stream_send_buffer > 0) {
    beast::error_code ignored; // a refused size leaves the system's: still bounded
    tcp_layer().socket().set_option(
      asio::socket_base::send_buffer_size{static_cast<int>(owner_->options.stream_send_buffer)},
      ignored);
  }
  // The websocket stream has its own timeouts (pings on an idle connection,
  // a bounded handshake and close); the tcp_stream's must not cut it.
  tcp_layer().expires_never();
  ws_->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_->ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "ringactor-server");
  }));
  ws_->ws.read_message_max(owner_->options.max_body_bytes);
  ws_->writing = true; // the handshake's answer
  ws_->ws.async_accept(parser_->get(), [self = self()](beast::error_code ec) {
    self->ws_->writing = false;
    if (ec || self->closed_) {
      self->shutdown();
      return;
    }
    self->ws_->open = true;
    self->ws_read();
    self->ws_write_next();
  });
}

template <class Stream>
void basic_session<Stream>::ws_read() {
  ws_->ws.async_read(ws_->in, [self = self()](beast::error_code ec, std::size_t) {
    if (self->closed_)
      return;
    if (ec) {
      // The client closed (a close frame or the socket), a frame broke the
      // protocol or exceeded max_body_bytes, or the connection timed out.
      if (ec != websocket::error::closed && ec != asio::error::eof
          && ec != asio::error::operation_aborted)
        log_debug("service: a WebSocket connection ends: {}", ec.message());
      self->shutdown();
      return;
    }
    auto& st = *self->ws_;
    std::string text = beast::buffers_to_string(st.in.data());
    st.in.consume(st.in.size());
    if (!st.ws.got_text()) {
      self->ws_close({websocket::close_code::bad_payload, "text messages only"});
      return;
    }
    if (st.start.on_message)
      st.start.on_message(text);
    self->ws_read();
  });
}

template <class Stream>
void basic_session<Stream>::ws_queue(std::string text) {
  if (!ws_ || closed_ || ws_->closing)
    return;
  if (ws_->out.size() >= ws_->start.max_queued) {
    ws_close({websocket::close_code::policy_error, "send queue full"});
    return;
  }
  ws_->out.push_back(std::move(text));
  ws_write_next();
}

template <class Stream>
void basic_session<Stream>::ws_write_next() {
  auto& st = *ws_;
  if (!st.open || st.writing || closed_)
    return;
  if (!st.out.empty()) {
    st.writing = true;
    st.ws.text(true);
    st.ws.async_write(asio::buffer(st.out.front()),
                      [self = self()](beast::error_code ec, std::size_t) {
                        auto& st = *self->ws_;
                        st.writing = false;
                        if (ec || self->closed_) {
                          self->shutdown();
                          return;
                        }
                        st.out.pop_front();
                        self->ws_write_next();
                      });
    return;
  }
  if (st.closing) {
    st.writing = true;
    st.ws.async_close(st.reason, [self = self()](beast::error_code) {
      self->ws_->writing = false;
      self->shutdown();
    });
  }
}

template <class Stream>
void basic_session<Stream>::ws_close(websocket::close_reason why) {
  if (!ws_ || closed_)
    return;
  if (!ws_->open) {
    shutdown(); // still in the handshake: nothing to close politely
    return;
  }
  if (ws_->closing)
    return;
  ws_->closing = true;
  ws_->reason = why;
  // The route's subscriptions and calls end now: nothing more is queued.
  ws_closed();
  // The close frame waits for the message being written, which waits for a
  // client that may have stopped reading: bounded by read_timeout.
  auto generation = ++read_generation_;
  read_timer_.expires_after(owner_->options.read_timeout);
  read_timer_.async_wait([self = self(), generation](beast::error_code ec) {
    if (!ec && !self->closed_ && generation == self->read_generation_)
      self->shutdown();
  });
  if (why.code == websocket::close_code::policy_error) {
    // The queue is what overflowed: drop it, but for the message being
    // written (its buffer is in use until the write completes).
    auto keep = ws_->writing && !ws_->out.empty() ? 1 : 0;
    ws_->out.erase(ws_->out.begin() + keep, ws_->out.end());
  }
  ws_write_next();
}

template <class Stream>
void basic_session<Stream>::ws_closed() {
  if (!ws_)
    return;
  if (auto f = std::exchange(ws_->start.on_close, nullptr))
    f();
  ws_->start.on_message = nullptr;
}

// The members of this file, for both transports (the class itself is
// instantiated in http_session.cpp).
#define RINGACTOR_WS_MEMBERS(S)                                      \
  template void basic_session<S>::start_ws(ws_start);                \
  template void basic_session<S>::ws_read();                         \
  template void basic_session<S>::ws_write_next();                   \
  template void basic_session<S>::ws_queue(std::string);             \
  template void basic_session<S>::ws_close(websocket::close_reason); \
  template void basic_session<S>::ws_closed();
RINGACTOR_WS_MEMBERS(plain_stream)
RINGACTOR_WS_MEMBERS(tls_stream)
#undef RINGACTOR_WS_MEMBERS

} // namespace ringactor::service::detail
