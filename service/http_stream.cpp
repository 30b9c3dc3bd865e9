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
  auto s = session_.lock();
  if (!s)
    return;
  asio::post(s->stream_.get_executor(), [weak = session_] {
    if (auto s = weak.lock())
      s->pump();
  });
}

void stream_handle::close() {
  auto s = session_.lock();
  if (!s)
    return;
  asio::post(s->stream_.get_executor(), [weak = session_] {
    if (auto s = weak.lock())
      s->end_stream();
  });
}

// -- session ---------------------------------------------------------------------------

void session::start_stream(stream_start s) {
  streaming_ = std::make_unique<stream_state>(stream_.get_executor(), std::move(s));
  auto& st = *streaming_;
  if (owner_->options.stream_send_buffer > 0) {
    beast::error_code ignored; // a refused size leaves the system's: still bounded
    stream_.socket().set_option(
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
  stream_.expires_after(owner_->options.read_timeout);
  http::async_write_header(stream_, *sr,
                           [self = shared_from_this(), head,
                            sr](beast::error_code ec, std::size_t) { self->on_piece_written(ec); });
  watch_peer();
  arm_keepalive();
}

void session::pump() {
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

void session::write_piece(std::string piece) {
  auto& st = *streaming_;
  st.piece = std::move(piece);
  st.writing = true;
  st.wrote_since_tick = true;
  // A client that stopped reading fills the socket buffers and stalls the
  // write: the stream's deadline closes the connection then.
  stream_.expires_after(owner_->options.read_timeout);
  asio::async_write(stream_, asio::buffer(st.piece),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_piece_written(ec);
                    });
}

void session::on_piece_written(beast::error_code ec) {
  streaming_->writing = false;
  if (ec || closed_) {
    shutdown();
    return;
  }
  pump();
}

void session::arm_keepalive() {
  auto& st = *streaming_;
  if (st.start.keepalive_chunk.empty() || st.start.keepalive_interval.count() <= 0)
    return;
  st.keepalive.expires_after(st.start.keepalive_interval);
  st.keepalive.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_)
      return;
    auto& st = *self->streaming_;
    if (!st.writing && !st.wrote_since_tick && !st.ending)
      self->write_piece(st.start.keepalive_chunk);
    st.wrote_since_tick = false;
    self->arm_keepalive();
  });
}

void session::watch_peer() {
  // On the socket, not the tcp_stream: the stream's write deadline must not
  // apply to this read, which waits as long as the stream lasts.
  stream_.socket().async_read_some(asio::buffer(streaming_->peer_input),
                                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     if (self->closed_)
                                       return;
                                     if (ec)
                                       self->shutdown(); // the client closed (or reset) its end
                                     else
                                       self->watch_peer(); // bytes after the request: ignored
                                   });
}

void session::end_stream() {
  if (!streaming_ || closed_)
    return;
  streaming_->ending = true;
  if (!streaming_->writing)
    shutdown();
}

void session::stream_closed() {
  if (!streaming_)
    return;
  streaming_->keepalive.cancel();
  if (auto f = std::exchange(streaming_->start.on_close, nullptr))
    f();
  // The pull function may hold the producer's state: let it go now, not
  // when the last completion handler releases the session.
  streaming_->start.pull = nullptr;
}

} // namespace ringactor::service::detail
