// ringactor service: a session's streaming response (event_stream.hpp). It
// runs on the session's strand like the rest of the session: the head, then
// one piece at a time from the route's pull function, a keep-alive piece
// when the stream was quiet, and a read that only watches for the client's
// close.
#include "http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace ringactor::service::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// -- stream_handle -------------------------------------------------------------------

void stream_handle::notify() {
  if (auto s = session_.lock())
    s->notify_stream();
}

void stream_handle::close() {
  if (auto s = session_.lock())
    s->close_stream();
}

// -- session ---------------------------------------------------------------------------

template <class Stream>
void basic_session<Stream>::start_stream(stream_start s) {
  streaming_ = std::make_unique<stream_state>(stream_.get_executor(), std::move(s));
  auto& st = *streaming_;
  if (owner_->options.stream_send_buffer > 0) {
    beast::error_code ignored; // a refused size leaves the system's: still bounded
    tcp_layer().socket().set_option(
      asio::socket_base::send_buffer_size{static_cast<int>(owner_->options.stream_send_buffer)},
      ignored);
  }
  auto head = std::make_shared<http::response<http::empty_body>>();
  head->version(11);
  head->result(http::status::ok);
  head->set(http::field::server, "ringactor-server");
  head->set(http::field::content_type, st.start.content_type);
  head->set(http::field::cache_control, "no-cache");
  for (auto& [key, value] : st.start.headers)
    head->insert(key, value);
  // No Content-Length and no chunked encoding: the body ends with the
  // connection (keep_alive false writes "Connection: close").
  head->keep_alive(false);
  auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*head);
  st.writing = true;
  arm_write_deadline();
  http::async_write_header(stream_, *sr,
                           [self = self(), head, sr](beast::error_code ec, std::size_t) {
                             self->on_piece_written(ec);
                           });
  watch_peer();
  arm_keepalive();
}

template <class Stream>
void basic_session<Stream>::pump() {
  if (!streaming_ || closed_ || streaming_->writing)
    return;
  auto& st = *streaming_;
  if (st.ending) {
    shutdown();
    return;
  }
  auto next = st.start.pull ? st.start.pull() : std::nullopt;
  if (!next) {
    shutdown(); // the producer ended the stream; nothing is being written
    return;
  }
  if (!next->empty())
    write_piece(std::move(*next));
}

template <class Stream>
void basic_session<Stream>::write_piece(std::string piece) {
  auto& st = *streaming_;
  st.piece = std::move(piece);
  st.writing = true;
  st.wrote_since_tick = true;
  // A client that stopped reading fills the socket buffers and stalls the
  // write: the write deadline closes the connection then.
  arm_write_deadline();
  asio::async_write(stream_, asio::buffer(st.piece),
                    [self = self()](beast::error_code ec, std::size_t) {
                      self->on_piece_written(ec);
                    });
}

template <class Stream>
void basic_session<Stream>::on_piece_written(beast::error_code ec) {
  cancel_write_deadline();
  streaming_->writing = false;
  if (ec || closed_) {
    shutdown();
    return;
  }
  pump();
}

template <class Stream>
void basic_session<Stream>::arm_keepalive() {
  auto& st = *streaming_;
  if (st.start.keepalive_chunk.empty() || st.start.keepalive_interval.count() <= 0)
    return;
  st.keepalive.expires_after(st.start.keepalive_interval);
  st.keepalive.async_wait([self = self()](beast::error_code ec) {
    if (ec || self->closed_)
      return;
    auto& st = *self->streaming_;
    if (!st.writing && !st.wrote_since_tick && !st.ending)
      self->write_piece(st.start.keepalive_chunk);
    st.wrote_since_tick = false;
    self->arm_keepalive();
  });
}

template <class Stream>
void basic_session<Stream>::watch_peer() {
  // Through the stream (TLS: decrypted), which has no deadline of its own:
  // this read waits as long as the stream lasts. A pending read beside the
  // writes is what a TLS stream allows (one read and one write at a time).
  stream_.async_read_some(asio::buffer(streaming_->peer_input),
                          [self = self()](beast::error_code ec, std::size_t) {
                            if (self->closed_)
                              return;
                            if (ec)
                              self->shutdown(); // the client closed (or reset) its end
                            else
                              self->watch_peer(); // bytes after the request: ignored
                          });
}

template <class Stream>
void basic_session<Stream>::end_stream() {
  if (!streaming_ || closed_)
    return;
  streaming_->ending = true;
  if (!streaming_->writing)
    shutdown();
}

template <class Stream>
void basic_session<Stream>::stream_closed() {
  if (!streaming_)
    return;
  streaming_->keepalive.cancel();
  if (auto f = std::exchange(streaming_->start.on_close, nullptr))
    f();
  // The pull function may hold the producer's state: let it go now, not
  // when the last completion handler releases the session.
  streaming_->start.pull = nullptr;
}

// The members of this file, for both transports (the class itself is
// instantiated in http_session.cpp).
#define RINGACTOR_STREAM_MEMBERS(S)                                    \
  template void basic_session<S>::start_stream(stream_start);          \
  template void basic_session<S>::pump();                              \
  template void basic_session<S>::write_piece(std::string);            \
  template void basic_session<S>::on_piece_written(beast::error_code); \
  template void basic_session<S>::arm_keepalive();                     \
  template void basic_session<S>::watch_peer();                        \
  template void basic_session<S>::end_stream();                        \
  template void basic_session<S>::stream_closed();
RINGACTOR_STREAM_MEMBERS(plain_stream)
RINGACTOR_STREAM_MEMBERS(tls_stream)
#undef RINGACTOR_STREAM_MEMBERS

} // namespace ringactor::service::detail
