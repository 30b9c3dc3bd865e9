// The transport's receiving side: UCX's active-message callback (a frame or
// a batch of frames that came whole, or a rendezvous one fetched), batches
// split into their frames, the sender's peer found by its reply endpoint,
// and the per-peer order: UCX does not promise that frames on one endpoint
// arrive in the order they were sent, so each carries its sequence number
// and early ones are held back until their turn.
#include "frame_batch.hpp"
#include "transport_impl.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include <ringactor/logger.hpp>

namespace ringactor::remote {

ucs_status_t transport::impl::on_am(void* arg, const void* header_arg, size_t header_length,
                                    void* data, size_t length, const ucp_am_recv_param_t* param) {
  auto* self = static_cast<impl*>(arg);
  if (self->stopping_.load(std::memory_order_acquire))
    return UCS_OK; // the destructor's last progress: no handler runs
  peer_id peer = 0;
  if ((param->recv_attr & UCP_AM_RECV_ATTR_FIELD_REPLY_EP) != 0)
    if (auto i = self->by_ep_.find(param->reply_ep); i != self->by_ep_.end())
      peer = i->second;
  if (peer == 0) {
    log_warn("remote: dropped a frame of {} bytes from an unknown endpoint", length);
    return UCS_OK;
  }
  detail::frame_header header;
  bool batch = header_length == detail::batch_header_size;
  if (header_length != detail::lone_header_size && !batch) {
    self->end_peer(peer, "peer sent a frame without a sequence number (not a ringactor peer)",
                   true);
    return UCS_OK;
  }
  std::memcpy(&header, header_arg, header_length);
  if ((param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV) == 0) {
    if (batch) {
      self->accept_batch(peer, header, static_cast<const std::byte*>(data), length);
      return UCS_OK;
    }
    // In order (the common case), the handler reads UCX's buffer itself.
    self->accept_frame(peer, header.seq, {static_cast<const std::byte*>(data), length});
    return UCS_OK;
  }
  // A large message: fetch it (UCX owns the descriptor from here on).
  auto* in = new incoming{self, peer, header, batch, self->take_receive_buffer(length), length};
  ucp_request_param_t p{};
  p.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK | UCP_OP_ATTR_FIELD_USER_DATA;
  p.cb.recv_am = &impl::on_received;
  p.user_data = in;
  auto r = ucp_am_recv_data_nbx(self->worker_, data, in->buffer.data.get(), length, &p);
  if (r == nullptr) {
    on_received(nullptr, UCS_OK, length, in);
  } else if (UCS_PTR_IS_ERR(r)) {
    self->give_receive_buffer(std::move(in->buffer));
    delete in;
    self->end_peer(peer, fmt::format("receiving a frame: {}", ucs_status_string(UCS_PTR_STATUS(r))),
                   true);
  }
  return UCS_OK;
}

void transport::impl::on_received(void* request, ucs_status_t status, size_t, void* user_data) {
  std::unique_ptr<incoming> in{static_cast<incoming*>(user_data)};
  if (request != nullptr)
    ucp_request_free(request);
  auto* self = in->self;
  if (self->stopping_.load(std::memory_order_acquire))
    return;
  const auto* bytes = in->buffer.data.get();
  if (status != UCS_OK)
    self->end_peer(in->peer, fmt::format("receiving a frame: {}", ucs_status_string(status)), true);
  else if (in->batch)
    self->accept_batch(in->peer, in->header, bytes, in->length);
  else
    self->accept_frame(in->peer, in->header.seq, {bytes, in->length});
  // The handlers are done with the bytes (an early frame was copied).
  self->give_receive_buffer(std::move(in->buffer));
}

detail::receive_buffer transport::impl::take_receive_buffer(std::size_t length) {
  auto fits = std::find_if(receive_buffers_.begin(), receive_buffers_.end(),
                           [&](const auto& b) { return b.capacity >= length; });
  if (fits != receive_buffers_.end()) {
    auto b = std::move(*fits);
    receive_buffers_.erase(fits);
    stats_.receive_buffers_reused.fetch_add(1, std::memory_order_relaxed);
    return b;
  }
  // Not value-initialized: UCX writes every byte that is read.
  return {std::unique_ptr<std::byte[]>(new std::byte[length]), length};
}

void transport::impl::give_receive_buffer(detail::receive_buffer b) {
  if (b.data != nullptr && b.capacity <= frame_buffers::max_capacity
      && receive_buffers_.size() < max_receive_buffers)
    receive_buffers_.push_back(std::move(b));
}

void transport::impl::accept_batch(peer_id peer, detail::frame_header header, const std::byte* data,
                                   std::size_t length) {
  auto frames = detail::split_batch({data, length}, header.count);
  if (!frames) {
    end_peer(peer,
             fmt::format("peer sent a malformed batch (frames from {}: {} announced, {} bytes)",
                         header.seq, header.count, length),
             true);
    return;
  }
  for (std::size_t k = 0; k < frames->size(); ++k)
    accept_frame(peer, header.seq + k, (*frames)[k]);
}

/// Delivers `frame`, number `seq` of `peer`, in its peer's order: at once
/// when it is the next, with those held back behind it; held back when
/// it is early.
void transport::impl::accept_frame(peer_id peer, std::uint64_t seq,
                                   std::span<const std::byte> frame) {
  auto i = peers_.find(peer);
  if (i == peers_.end())
    return; // ended meanwhile
  auto& state = i->second;
  stats_.frames_received.fetch_add(1, std::memory_order_relaxed);
  stats_.bytes_received.fetch_add(frame.size(), std::memory_order_relaxed);
  if (seq != state.next_receive) {
    // Early: a copy waits for its turn (the bytes are UCX's or a batch's).
    if (seq < state.next_receive
        || !state.early.emplace(seq, std::vector<std::byte>(frame.begin(), frame.end())).second)
      end_peer(peer, fmt::format("peer sent frame {} twice", seq), true);
    return;
  }
  ++state.next_receive;
  deliver(peer, frame);
  // Handlers cannot end a peer here (close() queues a command), but look
  // it up again each time all the same.
  for (auto j = peers_.find(peer); j != peers_.end(); j = peers_.find(peer)) {
    auto k = j->second.early.find(j->second.next_receive);
    if (k == j->second.early.end())
      break;
    auto next = std::move(k->second);
    j->second.early.erase(k);
    ++j->second.next_receive;
    deliver(peer, next);
  }
}

void transport::impl::deliver(peer_id peer, std::span<const std::byte> frame) {
  if (handlers_.on_frame)
    handlers_.on_frame(peer, frame);
}

} // namespace ringactor::remote
