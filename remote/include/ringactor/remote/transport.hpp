// ringactor remote: the transport under remote nodes. One UCX worker (UCP
// active messages over whatever transports UCX picks or is told to use:
// shared memory, TCP, RDMA), a listener for peers that connect, and
// endpoints to peers this side connected to; frames (byte strings) go both
// ways on each, in order per endpoint.
//
//   auto t = remote::transport::start({.transports = "tcp,self"}, {
//     .on_accept = [](remote::peer_id p) { ... },
//     .on_frame = [](remote::peer_id p, std::span<const std::byte> f) { ... },
//     .on_closed = [](remote::peer_id p, const std::string& why) { ... }});
//   auto peer = (*t)->connect("127.0.0.1", port);
//   (*t)->send(peer, bytes);
//
// Listening port: a plain TCP socket of the transport's own (not UCX's
// connection manager). A connecting side and the listener exchange a small
// versioned preamble there (their UCP worker addresses), each creates its
// endpoint from the other's address; the TCP connection then stays open,
// idle, as the pair's liveness channel (its end is the peer's close or
// death). Bytes that are not a preamble are refused (counted in
// preambles_refused) and never reach UCX.
//
// Threads: one progress thread owns the UCX worker (UCS_THREAD_MODE_SINGLE);
// connect, send and close may be called from any thread: they queue a
// command and wake it (ucp_worker_signal) when it is blocked. It makes
// progress while there is traffic and then blocks on the worker's event file
// descriptor (after transport_config::spin_before_block empty passes). The
// handlers run on
// the progress thread, one at a time, and must not block.
//
// Failure: every endpoint uses UCX's peer error handling, so a peer whose
// process died, a connection reset, or a connect nobody answers ends in
// on_closed(peer, reason) once, after which that peer id is dead (sends to
// it return false). A transport does not detect a peer that is alive but
// silent: the node's heartbeat does.
//
// Not encrypted and not authenticated: UCX does neither. The node's
// handshake authenticates peers (handshake.hpp); run nodes on a private
// network or through a tunnel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <ringactor/expected.hpp>
#include <ringactor/remote/frame_buffers.hpp>

namespace ringactor::remote {

/// A peer of one transport: an endpoint it accepted or connected (never 0,
/// never reused by that transport).
using peer_id = std::uint64_t;

struct transport_config {
  /// The listening port's address (an IP address; 127.0.0.1 by default).
  std::string listen_address = "127.0.0.1";
  /// The listener's port; 0 picks a free one (transport::port() says which).
  std::uint16_t listen_port = 0;
  /// The key the preambles on the listening port are signed with (HMAC):
  /// a node's cluster secret. A connection whose preamble another key
  /// signed is refused before its worker address reaches UCX (UCX 1.13
  /// aborts the process on one it cannot unpack). Transports that connect
  /// to each other need the same key; empty is a key too (of zero bytes:
  /// it keeps accidents out, not an adversary).
  std::string preamble_key;
  /// UCX_TLS for this transport's context, e.g. "tcp,self" or
  /// "posix,sysv,cma,self"; empty: UCX's own choice (or the UCX_TLS of the
  /// environment).
  std::string transports;
  /// UCX_NET_DEVICES for this transport's context, e.g. "lo" to keep TCP on
  /// the loopback interface; empty: every device (or the environment's).
  std::string net_devices;
  /// Empty progress passes before the progress thread blocks on the
  /// worker's event file descriptor. 0 by default: on a machine with few
  /// cores a spinning progress thread takes the core from the threads that
  /// make and take the frames (2 busy cores, 64-byte ping-pong between two
  /// processes: p50 10.5 us blocking at once, 100 us after 256 passes, and
  /// 200,000 one-way frames in 0.27 s against 0.82 s). Raise it where cores
  /// are spare and latency matters.
  std::uint32_t spin_before_block = 0;
  /// Where the vectors of large frames go once sent (frame_buffers.hpp),
  /// for whoever builds the next frames to take; the transport takes its
  /// batches' from there too. Null: the transport keeps a set of its own.
  std::shared_ptr<frame_buffers> spare_buffers;
};

struct transport_handlers {
  /// A peer connected to the listener (its id is new).
  std::function<void(peer_id)> on_accept;
  /// A frame from a peer, in the order the peer sent them. The bytes are
  /// valid during the call only (often UCX's own receive buffer: a frame
  /// that arrives in order is not copied); keep a copy to hold them longer.
  std::function<void(peer_id, std::span<const std::byte>)> on_frame;
  /// The endpoint to a peer ended: closed by either side, the peer's process
  /// gone, or a connect that failed. Once per peer.
  std::function<void(peer_id, const std::string&)> on_closed;
};

/// Counters (any thread).
struct transport_stats {
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t peers_accepted = 0;
  std::uint64_t peers_closed = 0;
  /// Peers whose endpoint UCX wired up with a shared memory lane (posix or
  /// sysv) for frames.
  std::uint64_t peers_on_shared_memory = 0;
  /// Active messages that carried more than one frame (the small frames a
  /// progress pass found for one peer; frames_sent counts their frames).
  std::uint64_t batches_sent = 0;
  /// Frames sent from the sender's own thread because the progress thread
  /// slept (no wake-up of it); the others went through its queue.
  std::uint64_t direct_sends = 0;
  /// Connections on the listening port closed before they reached UCX: not
  /// a ringactor preamble (wrong magic or version, a worker address of 0
  /// bytes or past 64 KiB), signed with another key, silent past 5 s, half a
  /// preamble, a reset.
  std::uint64_t preambles_refused = 0;
  /// Frame vectors taken from the spare buffers instead of allocated
  /// (frame_buffers::reused), and large received messages read into memory
  /// an earlier one used.
  std::uint64_t send_buffers_reused = 0;
  std::uint64_t receive_buffers_reused = 0;
};

class transport {
public:
  /// Creates the UCX context and worker, listens, and starts the progress
  /// thread. An error names what failed (UCX's status text).
  static expected<std::unique_ptr<transport>> start(transport_config cfg,
                                                    transport_handlers handlers);

  transport(const transport&) = delete;
  transport& operator=(const transport&) = delete;

  /// Closes every endpoint (without waiting for the peers), stops the
  /// progress thread, and releases UCX's objects. No handler runs after it
  /// returns; on_closed does not run for the endpoints it closes.
  ~transport();

  /// The port the listener is bound to.
  std::uint16_t port() const noexcept;

  /// Connects to the listener at `host`:`port` (an IP address). Returns the
  /// new peer's id at once; frames sent before the connection is up are
  /// queued; a connection that fails ends in on_closed.
  peer_id connect(const std::string& host, std::uint16_t port);

  /// Queues `frame` for `peer`. False (the frame dropped, counted as a send
  /// error) if the peer is unknown or closed.
  bool send(peer_id peer, std::vector<std::byte> frame);

  /// Closes the endpoint to `peer` (its on_closed runs with "closed here").
  void close(peer_id peer);

  transport_stats stats() const noexcept;

  /// The spare frame buffers (transport_config::spare_buffers, or the
  /// transport's own): frames built in a vector taken there reuse memory.
  const std::shared_ptr<frame_buffers>& spare_buffers() const noexcept;

  /// Whether UCX's context reports CUDA memory among its memory types
  /// (ucp_context_query, asked once at start): a UCX built with CUDA could
  /// send device memory as it is. Debian's UCX 1.13 is built without CUDA,
  /// so this is false there; buffers of messages are staged through host
  /// memory either way (remote/buffer_frames.hpp).
  bool cuda_memory() const noexcept;

  class impl;

private:
  explicit transport(std::unique_ptr<impl> x);
  std::unique_ptr<impl> impl_;
};

} // namespace ringactor::remote
