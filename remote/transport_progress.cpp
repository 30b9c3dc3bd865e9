// The transport's progress loop: the commands other threads queue
// (connect, send, close) and the one thread that owns the UCX worker,
// spinning while there is traffic and blocking on the worker's event
// descriptor when there is none (a sender then sends from its own thread);
// and the sending of frames, each with its
// peer's next sequence number (transport_order.cpp puts them back in order
// at the receiver). The small frames of one pass to one peer go as one
// active message (a batch): under load a pass finds many, and one UCX send
// (one system call on TCP) carries them all; a lone frame goes as it is.
#include "frame_batch.hpp"
#include "transport_impl.hpp"

#include <poll.h>

#include <memory>
#include <thread>

namespace ringactor::remote {

bool transport::impl::send(peer_id peer, std::vector<std::byte> frame) {
  std::unique_lock guard{mtx_};
  if (dead_.count(peer) != 0 || peer == 0 || peer >= next_peer_.load()) {
    stats_.send_errors.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (progress_blocked_ && commands_.empty()) {
    // The progress thread sleeps and nothing is queued before this frame:
    // send it from this thread, which spares the progress thread a wake-up
    // (a round trip has two such sends). try_lock: the progress thread may
    // be about to sleep still holding the worker, and takes mtx_ under it.
    // Two in a row at most while it sleeps: a burst goes through its queue
    // (in batches) after them.
    std::unique_lock worker{worker_mtx_, std::try_to_lock};
    if (worker.owns_lock() && direct_streak_ < max_direct_streak) {
      ++direct_streak_;
      guard.unlock();
      do_send(peer, std::move(frame));
      flush_batches();
      bool in_flight = sends_in_flight_ != 0;
      worker.unlock();
      if (in_flight)
        ucp_worker_signal(worker_); // only progress completes it
      stats_.direct_sends.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  auto& c = commands_.emplace_back();
  c.what = command::kind::send;
  c.peer = peer;
  c.frame = std::move(frame);
  if (!progress_blocked_)
    return true; // the progress thread takes it on its next pass
  guard.unlock();
  ucp_worker_signal(worker_);
  return true;
}

void transport::impl::post(command c) {
  {
    std::lock_guard guard{mtx_};
    commands_.push_back(std::move(c));
    if (!progress_blocked_)
      return;
  }
  ucp_worker_signal(worker_);
}

void transport::impl::run() {
  std::uint32_t idle = 0;
  std::deque<command> batch;
  // The worker and this thread's state are the pass's; a sender takes
  // them only while this thread sleeps in poll (send()).
  std::unique_lock worker{worker_mtx_};
  while (!stopping_.load(std::memory_order_acquire)) {
    direct_streak_ = 0;
    {
      std::lock_guard guard{mtx_};
      batch.swap(commands_);
    }
    bool worked = !batch.empty();
    while (!batch.empty()) {
      execute(batch.front());
      batch.pop_front();
    }
    flush_batches();
    while (ucp_worker_progress(worker_) != 0)
      worked = true;
    flush_batches(); // frames that waited for a wire-up that progress finished
    if (!closing_.empty())
      reap_closing();
    if (worked) {
      idle = 0;
      continue;
    }
    if (++idle < cfg_.spin_before_block)
      continue;
    // Sends UCX still holds (a full shared memory FIFO, a socket's
    // buffer) complete only by progress, and nothing wakes the worker's
    // descriptor when they can: no blocking while there are any, but the
    // core goes to the threads that drain them (the peer's, on a busy
    // machine) between passes.
    if (sends_in_flight_ != 0) {
      worker.unlock();
      std::this_thread::yield();
      worker.lock();
      continue;
    }
    // Arm, then block until the worker has events or a command signals it.
    if (ucp_worker_arm(worker_) == UCS_ERR_BUSY)
      continue;
    {
      std::lock_guard guard{mtx_};
      if (!commands_.empty())
        continue;
      progress_blocked_ = true;
    }
    worker.unlock();
    pollfd pfd{event_fd_, POLLIN, 0};
    ::poll(&pfd, 1, 100);
    {
      std::lock_guard guard{mtx_};
      progress_blocked_ = false;
    }
    worker.lock();
    idle = 0;
  }
}

void transport::impl::execute(command& c) {
  switch (c.what) {
    case command::kind::connect: do_connect(c); break;
    case command::kind::attach: attach(c); break;
    case command::kind::peer_ready: peer_ready(c.peer); break;
    case command::kind::send: do_send(c.peer, std::move(c.frame)); break;
    case command::kind::close:
      end_peer(c.peer, c.failure.empty() ? std::string{"closed here"} : c.failure, true);
      break;
  }
}

void transport::impl::send_waiting(peer_id peer) {
  auto i = peers_.find(peer);
  auto waiting = std::move(i->second.waiting);
  for (auto& f : waiting)
    do_send(peer, std::move(f));
}

void transport::impl::do_send(peer_id peer, std::vector<std::byte> frame) {
  auto i = peers_.find(peer);
  if (i == peers_.end()) {
    stats_.send_errors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto& state = i->second;
  if (!state.wired || !state.peer_ready) {
    state.waiting.push_back(std::move(frame));
    return;
  }
  if (frame.size() > detail::batch_frame_limit) {
    flush_batch(state); // what came before goes first
    auto out = std::make_unique<detail::outgoing>();
    out->header.seq = state.next_send++;
    out->bytes = std::move(frame);
    send_message(state, std::move(out), detail::lone_header_size, 1);
    return;
  }
  if (state.batch.empty())
    batching_.push_back(peer);
  state.batch_bytes += frame.size();
  state.batch.push_back(std::move(frame));
  if (state.batch_bytes >= detail::batch_bytes_limit)
    flush_batch(state); // stays in batching_: flush_batch finds it empty
}

void transport::impl::flush_batches() {
  for (auto peer : batching_)
    if (auto i = peers_.find(peer); i != peers_.end())
      flush_batch(i->second);
  batching_.clear();
}

void transport::impl::flush_batch(peer_state& state) {
  auto frames = state.batch.size();
  if (frames == 0)
    return;
  auto out = std::make_unique<detail::outgoing>();
  out->header.seq = state.next_send;
  state.next_send += frames;
  if (frames == 1) {
    out->bytes = std::move(state.batch.front());
    state.batch.clear();
    state.batch_bytes = 0;
    send_message(state, std::move(out), detail::lone_header_size, 1);
    return;
  }
  out->header.count = frames;
  out->bytes = detail::pack_batch(state.batch, state.batch_bytes, cfg_.spare_buffers->take());
  state.batch.clear();
  state.batch_bytes = 0;
  stats_.batches_sent.fetch_add(1, std::memory_order_relaxed);
  send_message(state, std::move(out), detail::batch_header_size, frames);
}

void transport::impl::send_message(peer_state& state, std::unique_ptr<detail::outgoing> out,
                                   std::size_t header_size, std::size_t frames) {
  auto size = out->bytes.size() - (frames > 1 ? 4 * frames : 0);
  out->owner = this;
  ucp_request_param_t p{};
  p.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK | UCP_OP_ATTR_FIELD_USER_DATA
                   | UCP_OP_ATTR_FIELD_FLAGS;
  // REPLY names our endpoint to the receiver (which peer sent it).
  p.flags = UCP_AM_SEND_FLAG_REPLY;
  p.cb.send = &impl::on_sent;
  p.user_data = out.get();
  auto r = ucp_am_send_nbx(state.ep, detail::frame_am_id, &out->header, header_size,
                           out->bytes.data(), out->bytes.size(), &p);
  if (UCS_PTR_IS_ERR(r)) {
    stats_.send_errors.fetch_add(frames, std::memory_order_relaxed);
    return;
  }
  if (r != nullptr) {
    out.release(); // on_sent frees it
    ++sends_in_flight_;
  } else {
    cfg_.spare_buffers->give(std::move(out->bytes)); // sent already (UCX copied it)
  }
  stats_.frames_sent.fetch_add(frames, std::memory_order_relaxed);
  stats_.bytes_sent.fetch_add(size, std::memory_order_relaxed);
}

void transport::impl::on_sent(void* request, ucs_status_t status, void* user_data) {
  std::unique_ptr<detail::outgoing> out{static_cast<detail::outgoing*>(user_data)};
  --out->owner->sends_in_flight_;
  // A failed send surfaces as the endpoint's error as well.
  (void) status;
  out->owner->cfg_.spare_buffers->give(std::move(out->bytes));
  ucp_request_free(request);
}

} // namespace ringactor::remote
