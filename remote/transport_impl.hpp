// transport::impl, the private side of remote::transport (transport.hpp),
// declared here and defined in four files, one concept each:
//   transport.cpp           the UCX context and worker, the node's port, the
//                           progress thread's start and the shutdown;
//   transport_progress.cpp  the progress loop, its command queue, sending;
//   transport_endpoints.cpp a peer's endpoint from connect/accept to its end;
//   transport_order.cpp     frames received, back in each peer's order.
// Not installed: only the remote layer's own sources include it.
#pragma once

#include <ucp/api/ucp.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include <ringactor/error.hpp>
#include <ringactor/remote/transport.hpp>

#include "address_exchange.hpp"

namespace ringactor::remote {

namespace detail {

/// The active message id of a frame.
constexpr unsigned frame_am_id = 1;

/// A UCX failure as the transport's error.
inline error ucx_error(const char* what, ucs_status_t status) {
  return error{sec::runtime_error, fmt::format("remote: {}: {}", what, ucs_status_string(status))};
}

/// Frames up to this size that wait for the same peer in one progress pass
/// go to UCX as one active message (a batch): one send, one system call on
/// TCP, instead of one each. Larger ones go alone.
constexpr std::size_t batch_frame_limit = 16 * 1024;
/// A batch is sent once its frames reach this many bytes.
constexpr std::size_t batch_bytes_limit = 256 * 1024;

/// An active message's header: the sequence number of its (first) frame,
/// and for a batch the number of frames, each a 4-byte little-endian
/// length and its bytes. A lone frame's header is the sequence number alone.
struct frame_header {
  std::uint64_t seq = 0;
  std::uint64_t count = 0;
};
constexpr std::size_t lone_header_size = sizeof(std::uint64_t);
constexpr std::size_t batch_header_size = sizeof(frame_header);
static_assert(batch_header_size == 16);

/// An active message on its way out: owns the bytes and the header until
/// UCX is done with them.
struct outgoing {
  frame_header header;
  std::vector<std::byte> bytes;
  /// The transport that sent it: on_sent counts the send finished there
  /// and gives `bytes` to its spare buffers.
  transport::impl* owner;
};

/// Memory a large received message is read into (a rendezvous: UCX copies
/// it into a buffer of ours), kept for the next one: not zeroed, not freed
/// between messages.
struct receive_buffer {
  std::unique_ptr<std::byte[]> data;
  std::size_t capacity = 0;
};

} // namespace detail

class transport::impl {
public:
  impl(transport_config cfg, transport_handlers handlers)
    : cfg_(std::move(cfg)), handlers_(std::move(handlers)) {
    if (!cfg_.spare_buffers)
      cfg_.spare_buffers = std::make_shared<frame_buffers>();
  }

  ~impl() { shut_down(); }

  expected<void> open();

  std::uint16_t port() const noexcept { return port_; }
  bool cuda_memory() const noexcept { return cuda_memory_; }

  /// What this transport sets in UCX's configuration (the environment's
  /// UCX_* variables are read first; these override them).
  expected<void> configure(ucp_config_t* config);

  peer_id connect(const std::string& host, std::uint16_t port);

  bool send(peer_id peer, std::vector<std::byte> frame);

  void close(peer_id peer);

  transport_stats stats() const noexcept;

  const std::shared_ptr<frame_buffers>& spare_buffers() const noexcept {
    return cfg_.spare_buffers;
  }

private:
  struct command {
    enum class kind { connect, attach, peer_ready, send, close } what = kind::send;
    peer_id peer = 0;
    detail::socket_address address{};
    /// connect: why the address is refused; close: why the exchange failed
    /// (empty: closed here).
    std::string failure;
    std::vector<std::byte> frame;
    std::vector<std::byte> worker_address; // attach: the peer's
    bool accepted = false;                 // attach: a peer that connected to us
  };

  /// What an endpoint's error handler needs: its transport and peer.
  struct endpoint_ref {
    impl* self;
    peer_id peer;
  };

  struct peer_state {
    ucp_ep_h ep = nullptr;
    std::unique_ptr<endpoint_ref> ref;
    /// UCX does not promise that active messages on one endpoint arrive in
    /// the order they were sent (lanes, a rendezvous that completes later,
    /// sends queued during wire-up): each frame carries its sequence number
    /// in the message header, and the receiver holds early ones back.
    std::uint64_t next_send = 1;
    std::uint64_t next_receive = 1;
    std::map<std::uint64_t, std::vector<std::byte>> early;
    /// Whether the peer has its endpoint to us (its ready byte came): until
    /// then a frame could reach an endpoint UCX made on its own, which no
    /// peer id names.
    bool peer_ready = false;
    /// Whether the endpoint's wire-up is done (its first flush completed).
    /// Until then frames wait here, not in UCX: UCX 1.13 replays requests
    /// queued during wire-up on the lanes it picks at the end, and a frame
    /// of several fragments begun for a TCP lane then fails an assertion
    /// on a shared memory lane (proto_am.inl: max_iov > 1) or is lost.
    bool wired = false;
    std::deque<std::vector<std::byte>> waiting;
    /// Frames of this progress pass that go out as one batch at its end
    /// (flush_batches), and their bytes.
    std::vector<std::vector<std::byte>> batch;
    std::size_t batch_bytes = 0;
  };

  /// A rendezvous active message being received (a frame or a batch).
  struct incoming {
    impl* self;
    peer_id peer;
    detail::frame_header header;
    bool batch;
    detail::receive_buffer buffer;
    std::size_t length;
  };

  /// Memory for a large message of `length` bytes: a kept buffer that is
  /// big enough, or a new one (progress thread).
  detail::receive_buffer take_receive_buffer(std::size_t length);
  /// Keeps `b` for a later message unless 8 are kept or it is past
  /// frame_buffers::max_capacity.
  void give_receive_buffer(detail::receive_buffer b);

  void post(command c);

  void run();

  void execute(command& c);

  void do_connect(command& c);

  /// Creates the endpoint to a peer from its worker address (the exchange
  /// on the port brought it), and tells the exchange.
  void attach(command& c);

  /// The peer has its endpoint to us: frames may go once ours is wired.
  void peer_ready(peer_id peer);

  void fail_connect(peer_id peer, const std::string& why);

  void add_peer(peer_id peer, ucp_ep_h ep, std::unique_ptr<endpoint_ref> ref);

  static void on_wired(void* request, ucs_status_t status, void* user_data);

  /// Whether UCX put a shared memory lane on `ep` (its lanes, as
  /// ucp_ep_print_info describes them, name a "memory" device).
  static bool on_shared_memory(ucp_ep_h ep);

  /// Sends what waited for the endpoint's wire-up, in order.
  void wire_done(peer_id peer);

  void send_waiting(peer_id peer);

  /// Queues `frame` for its peer: a small one joins the peer's batch of
  /// this pass, a large one goes at once (after the batch, in order).
  void do_send(peer_id peer, std::vector<std::byte> frame);

  /// Sends each peer's batch of this pass: one frame alone, several as one
  /// active message.
  void flush_batches();

  void flush_batch(peer_state& state);

  /// Hands one active message to UCX: `header_size` bytes of out->header,
  /// `frames` frames.
  void send_message(peer_state& state, std::unique_ptr<detail::outgoing> out,
                    std::size_t header_size, std::size_t frames);

  static void on_sent(void* request, ucs_status_t status, void* user_data);

  /// Ends a peer once: closes its endpoint (forced: never waits for a peer
  /// that may be gone) and tells on_closed.
  void end_peer(peer_id peer, const std::string& why, bool notify);

  void close_endpoint(ucp_ep_h ep);

  /// Frees the close requests UCX has finished.
  void reap_closing();

  static void on_ep_error(void* arg, ucp_ep_h, ucs_status_t status);

  static ucs_status_t on_am(void* arg, const void* header, size_t header_length, void* data,
                            size_t length, const ucp_am_recv_param_t* param);

  static void on_received(void* request, ucs_status_t status, size_t, void* user_data);

  /// Delivers `frame`, number `seq` of `peer`, in its peer's order: at once
  /// when it is the next, with those held back behind it; held back when
  /// it is early.
  void accept_frame(peer_id peer, std::uint64_t seq, std::span<const std::byte> frame);

  /// Accepts the frames of a batch, numbered from `seq`; a batch whose
  /// lengths do not add up to its bytes ends the peer.
  void accept_batch(peer_id peer, detail::frame_header header, const std::byte* data,
                    std::size_t length);

  void deliver(peer_id peer, std::span<const std::byte> frame);

  void shut_down();

  transport_config cfg_;
  transport_handlers handlers_;
  ucp_context_h context_ = nullptr;
  ucp_worker_h worker_ = nullptr;
  std::unique_ptr<detail::address_exchange> exchange_; // the node's port
  int event_fd_ = -1;
  std::uint16_t port_ = 0;
  bool cuda_memory_ = false; // UCX reports CUDA memory (set in open())
  std::thread thread_;
  // Paired with the progress thread's acquire load: the destructor's stop.
  std::atomic<bool> stopping_{false};
  // Ids are handed out by any thread (connect) and by the progress thread
  // (accepted peers); relaxed: only uniqueness matters.
  std::atomic<peer_id> next_peer_{1};

  // Guards the UCX worker (UCS_THREAD_MODE_SERIALIZED) and the state below
  // marked the progress thread's: the progress thread holds it for each
  // pass and lets go only to sleep in poll or yield; a sender that finds
  // it asleep sends under it (send()). Taken before mtx_, or tried (never
  // waited for) under it.
  std::mutex worker_mtx_;
  mutable std::mutex mtx_;       // guards commands_ and dead_
  std::deque<command> commands_; // guarded by mtx_
  // Guarded by mtx_: the progress thread found no command and is about to
  // block (or blocks) on the event descriptor. A command queued meanwhile
  // signals the worker; one queued while it runs is taken on its next pass
  // without a signal (a system call per frame that the sender need not make).
  bool progress_blocked_ = false;
  std::unordered_set<peer_id> dead_; // guarded by mtx_: peers that ended

  // The progress thread's own (or a direct sender's: under worker_mtx_).
  std::unordered_map<peer_id, peer_state> peers_;
  std::unordered_map<ucp_ep_h, peer_id> by_ep_;
  std::vector<std::unique_ptr<endpoint_ref>> retired_refs_;
  std::vector<void*> closing_;      // close requests in progress
  std::size_t sends_in_flight_ = 0; // send requests UCX has not completed
  std::vector<peer_id> batching_;   // peers with a batch of this pass
  // Frames senders sent themselves since the progress thread's last pass,
  // and the most it lets them (send()).
  std::uint32_t direct_streak_ = 0;
  static constexpr std::uint32_t max_direct_streak = 2;
  // Buffers of finished rendezvous receives, for the next (the progress
  // thread's). At most 8, each at most frame_buffers::max_capacity, as the
  // spare send buffers are bounded.
  std::vector<detail::receive_buffer> receive_buffers_;
  static constexpr std::size_t max_receive_buffers = 8;

  struct counters {
    // Relaxed: statistics.
    std::atomic<std::uint64_t> frames_sent{0}, frames_received{0}, bytes_sent{0}, bytes_received{0},
      send_errors{0}, peers_accepted{0}, peers_closed{0}, peers_on_shared_memory{0},
      batches_sent{0}, direct_sends{0}, receive_buffers_reused{0};
  } stats_;
};

} // namespace ringactor::remote
