#include "ringactor/remote/transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <ucp/api/ucp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include <ringactor/error.hpp>
#include <ringactor/logger.hpp>

#include "address_exchange.hpp"

namespace ringactor::remote {

namespace {

/// The active message id of a frame.
constexpr unsigned frame_am_id = 1;

/// How long the destructor lets UCX finish closing endpoints.
constexpr auto close_grace = std::chrono::seconds{2};

using detail::parse_address;
using detail::socket_address;

/// The names of a comma-separated list, "shm" spelled out as UCX's shared
/// memory transports, each name once.
std::vector<std::string> transport_names(const std::string& list) {
  std::vector<std::string> names;
  auto add = [&](std::string name) {
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(std::move(name));
  };
  for (std::size_t begin = 0; begin <= list.size();) {
    auto end = std::min(list.find(',', begin), list.size());
    if (auto name = list.substr(begin, end - begin); name == "shm")
      for (auto x : {"posix", "sysv", "cma", "self"})
        add(x);
    else
      add(std::move(name));
    begin = end + 1;
  }
  return names;
}

bool names_shared_memory(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& n) {
    return n == "posix" || n == "sysv" || n == "mm" || n == "sm" || n == "all";
  });
}

/// The UCX_TLS for transport_config::transports ("shm" spelled out).
/// Endpoints come from worker addresses (no connection manager), so a list
/// of shared memory transports alone suffices: no TCP lane is added, and
/// none can time a live peer out under a flood of frames ("Endpoint
/// timeout"); the port's TCP connection finds a dead peer instead.
std::string ucx_transports(const std::string& transports) {
  auto names = transport_names(transports);
  std::string out;
  for (auto& n : names)
    out += (out.empty() ? "" : ",") + n;
  return out;
}

/// Sets `name`=`value` in a UCX configuration, or says what failed.
expected<void> set_ucx(ucp_config_t* config, const char* name, const std::string& value);

error ucx_error(const char* what, ucs_status_t status) {
  return error{sec::runtime_error, fmt::format("remote: {}: {}", what, ucs_status_string(status))};
}

/// A frame on its way out: owns the bytes and the header (its sequence
/// number) until UCX is done with them.
struct outgoing {
  std::uint64_t seq;
  std::vector<std::byte> bytes;
  /// The progress thread's count of sends UCX has not finished.
  std::size_t* in_flight;
};

expected<void> set_ucx(ucp_config_t* config, const char* name, const std::string& value) {
  if (auto s = ucp_config_modify(config, name, value.c_str()); s != UCS_OK)
    return ucx_error(fmt::format("UCX_{}={}", name, value).c_str(), s);
  return {};
}

} // namespace

class transport::impl {
public:
  impl(transport_config cfg, transport_handlers handlers)
    : cfg_(std::move(cfg)), handlers_(std::move(handlers)) {}

  ~impl() { shut_down(); }

  expected<void> open() {
    ucp_config_t* config = nullptr;
    if (auto s = ucp_config_read(nullptr, nullptr, &config); s != UCS_OK)
      return ucx_error("reading the UCX configuration", s);
    auto r = configure(config);
    if (!r) {
      ucp_config_release(config);
      return r;
    }
    ucp_params_t params{};
    params.field_mask = UCP_PARAM_FIELD_FEATURES;
    params.features = UCP_FEATURE_AM | UCP_FEATURE_WAKEUP;
    auto s = ucp_init(&params, config, &context_);
    ucp_config_release(config);
    if (s != UCS_OK)
      return ucx_error("creating the UCX context", s);
    ucp_worker_params_t wp{};
    wp.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE;
    wp.thread_mode = UCS_THREAD_MODE_SINGLE; // the progress thread only
    if (s = ucp_worker_create(context_, &wp, &worker_); s != UCS_OK)
      return ucx_error("creating the UCX worker", s);
    if (s = ucp_worker_get_efd(worker_, &event_fd_); s != UCS_OK)
      return ucx_error("the UCX worker's event descriptor", s);
    ucp_am_handler_param_t am{};
    am.field_mask = UCP_AM_HANDLER_PARAM_FIELD_ID | UCP_AM_HANDLER_PARAM_FIELD_CB
                    | UCP_AM_HANDLER_PARAM_FIELD_ARG | UCP_AM_HANDLER_PARAM_FIELD_FLAGS;
    am.id = frame_am_id;
    am.cb = &impl::on_am;
    am.arg = this;
    am.flags = UCP_AM_FLAG_WHOLE_MSG;
    if (s = ucp_worker_set_am_recv_handler(worker_, &am); s != UCS_OK)
      return ucx_error("setting the frame handler", s);
    auto addr = parse_address(cfg_.listen_address, cfg_.listen_port);
    if (!addr)
      return addr.error();
    // The node's port is ours, not UCX's (address_exchange.hpp): peers
    // learn each other's worker address there and UCX never sees a byte of
    // it.
    ucp_address_t* own = nullptr;
    std::size_t own_length = 0;
    if (s = ucp_worker_get_address(worker_, &own, &own_length); s != UCS_OK)
      return ucx_error("the UCX worker's address", s);
    std::vector<std::byte> own_address(own_length);
    std::memcpy(own_address.data(), own, own_length);
    ucp_worker_release_address(worker_, own);
    auto x = detail::address_exchange::start(
      *addr, std::move(own_address), cfg_.preamble_key,
      {.on_address =
         [this](peer_id peer, std::vector<std::byte> address, bool accepted) {
           command c;
           c.what = command::kind::attach;
           c.peer = peer;
           c.worker_address = std::move(address);
           c.accepted = accepted;
           post(std::move(c));
         },
       .on_peer_ready =
         [this](peer_id peer) {
           command c;
           c.what = command::kind::peer_ready;
           c.peer = peer;
           post(std::move(c));
         },
       .on_failed =
         [this](peer_id peer, std::string why) {
           command c;
           c.what = command::kind::close;
           c.peer = peer;
           c.failure = std::move(why);
           post(std::move(c));
         },
       .new_peer = [this] { return next_peer_.fetch_add(1, std::memory_order_relaxed); }});
    if (!x)
      return error{sec::runtime_error, fmt::format("{} (on {}:{})", x.error().context(),
                                                   cfg_.listen_address, cfg_.listen_port)};
    exchange_ = std::move(*x);
    port_ = exchange_->port();
    thread_ = std::thread{[this] { run(); }};
    return {};
  }

  std::uint16_t port() const noexcept { return port_; }

  /// What this transport sets in UCX's configuration (the environment's
  /// UCX_* variables are read first; these override them).
  expected<void> configure(ucp_config_t* config) {
    if (!cfg_.transports.empty())
      if (auto r = set_ucx(config, "TLS", ucx_transports(cfg_.transports)); !r)
        return r;
    if (!cfg_.net_devices.empty())
      if (auto r = set_ucx(config, "NET_DEVICES", cfg_.net_devices); !r)
        return r;
    // Frames up to 1 MiB go eagerly (in fragments) instead of by UCX's
    // rendezvous, whose handshake per frame held 64-KiB frames back: 5,000
    // of them between two processes took 0.13 s instead of 0.72 s over
    // shared memory, 0.40 s instead of 0.55 s over TCP (2 busy cores).
    if (auto r = set_ucx(config, "RNDV_THRESH", "1mb"); !r)
      return r;
    // Endpoints ask for peer failure detection (UCP_ERR_HANDLING_MODE_PEER),
    // which UCX 1.13 grants a shared memory transport (posix, sysv) only
    // when its error handling is on; else UCX leaves shared memory out and
    // sends over TCP. Set only where shared memory may be used: UCX warns
    // about a setting no transport of the list reads.
    if (!cfg_.transports.empty() && !names_shared_memory(transport_names(cfg_.transports)))
      return {};
    if (auto r = set_ucx(config, "MM_ERROR_HANDLING", "y"); !r)
      return r;
    // A FIFO of 1,024 elements instead of UCX's 64: a sender whose frames
    // fill the FIFO waits for the receiver's process to be scheduled, and
    // 200,000 one-way 40-byte frames between two processes took 0.10 s
    // instead of 0.28 s (2 busy cores). It costs shared memory per worker.
    if (auto r = set_ucx(config, "MM_FIFO_SIZE", "1024"); !r)
      return r;
    // UCX's keepalive goes through the shared memory FIFO, and under a flood
    // of frames (1,000,000 one-way sends) it timed out a live peer
    // ("Endpoint timeout"). Without it a dead peer is still found: the
    // endpoint's TCP lane (wire-up, frames past 1 MiB) breaks with the peer's
    // process; a live but silent one is the node's heartbeat's to find.
    return set_ucx(config, "KEEPALIVE_INTERVAL", "inf");
  }

  peer_id connect(const std::string& host, std::uint16_t port) {
    auto id = next_peer_.fetch_add(1, std::memory_order_relaxed);
    auto addr = parse_address(host, port);
    command c;
    c.what = command::kind::connect;
    c.peer = id;
    if (addr)
      c.address = *addr;
    else
      c.failure = addr.error().context();
    post(std::move(c));
    return id;
  }

  bool send(peer_id peer, std::vector<std::byte> frame) {
    {
      std::lock_guard guard{mtx_};
      if (dead_.count(peer) != 0 || peer == 0 || peer >= next_peer_.load()) {
        stats_.send_errors.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      auto& c = commands_.emplace_back();
      c.what = command::kind::send;
      c.peer = peer;
      c.frame = std::move(frame);
      if (!progress_blocked_)
        return true; // the progress thread takes it on its next pass
    }
    ucp_worker_signal(worker_);
    return true;
  }

  void close(peer_id peer) {
    command c;
    c.what = command::kind::close;
    c.peer = peer;
    post(std::move(c));
  }

  transport_stats stats() const noexcept {
    transport_stats out;
    out.frames_sent = stats_.frames_sent.load(std::memory_order_relaxed);
    out.frames_received = stats_.frames_received.load(std::memory_order_relaxed);
    out.bytes_sent = stats_.bytes_sent.load(std::memory_order_relaxed);
    out.bytes_received = stats_.bytes_received.load(std::memory_order_relaxed);
    out.send_errors = stats_.send_errors.load(std::memory_order_relaxed);
    out.peers_accepted = stats_.peers_accepted.load(std::memory_order_relaxed);
    out.peers_closed = stats_.peers_closed.load(std::memory_order_relaxed);
    out.peers_on_shared_memory = stats_.peers_on_shared_memory.load(std::memory_order_relaxed);
    out.preambles_refused = exchange_ != nullptr ? exchange_->refused() : 0;
    return out;
  }

private:
  struct command {
    enum class kind { connect, attach, peer_ready, send, close } what = kind::send;
    peer_id peer = 0;
    socket_address address{};
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
  };

  /// A rendezvous frame being received.
  struct incoming {
    impl* self;
    peer_id peer;
    std::uint64_t seq;
    std::vector<std::byte> bytes;
  };

  void post(command c) {
    {
      std::lock_guard guard{mtx_};
      commands_.push_back(std::move(c));
      if (!progress_blocked_)
        return;
    }
    ucp_worker_signal(worker_);
  }

  // -- the progress thread ----------------------------------------------------------

  void run() {
    std::uint32_t idle = 0;
    std::deque<command> batch;
    while (!stopping_.load(std::memory_order_acquire)) {
      {
        std::lock_guard guard{mtx_};
        batch.swap(commands_);
      }
      bool worked = !batch.empty();
      while (!batch.empty()) {
        execute(batch.front());
        batch.pop_front();
      }
      while (ucp_worker_progress(worker_) != 0)
        worked = true;
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
        std::this_thread::yield();
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
      pollfd pfd{event_fd_, POLLIN, 0};
      ::poll(&pfd, 1, 100);
      {
        std::lock_guard guard{mtx_};
        progress_blocked_ = false;
      }
      idle = 0;
    }
  }

  void execute(command& c) {
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

  void do_connect(command& c) {
    if (!c.failure.empty()) {
      fail_connect(c.peer, c.failure);
      return;
    }
    // The endpoint comes with the peer's worker address (attach); frames
    // wait until then.
    peers_.emplace(c.peer, peer_state{});
    exchange_->connect(c.peer, c.address);
  }

  /// Creates the endpoint to a peer from its worker address (the exchange
  /// on the port brought it), and tells the exchange.
  void attach(command& c) {
    if (c.accepted)
      peers_.emplace(c.peer, peer_state{});
    auto i = peers_.find(c.peer);
    if (i == peers_.end()) {
      exchange_->abandon(c.peer); // closed here meanwhile
      return;
    }
    auto ref = std::make_unique<endpoint_ref>(endpoint_ref{this, c.peer});
    ucp_ep_params_t ep{};
    ep.field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS | UCP_EP_PARAM_FIELD_ERR_HANDLER
                    | UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE;
    ep.address = reinterpret_cast<const ucp_address_t*>(c.worker_address.data());
    ep.err_mode = UCP_ERR_HANDLING_MODE_PEER;
    ep.err_handler.cb = &impl::on_ep_error;
    ep.err_handler.arg = ref.get();
    ucp_ep_h handle = nullptr;
    if (auto s = ucp_ep_create(worker_, &ep, &handle); s != UCS_OK) {
      // A worker address whose preamble was whole but whose content UCX
      // cannot use: this peer ends, the process goes on.
      auto why = fmt::format("endpoint from the peer's worker address: {}", ucs_status_string(s));
      if (c.accepted) {
        peers_.erase(i);
        std::lock_guard guard{mtx_};
        dead_.insert(c.peer);
        log_warn("remote: refused peer {}: {}", c.peer, why);
      } else {
        end_peer(c.peer, why, true);
      }
      exchange_->abandon(c.peer);
      return;
    }
    add_peer(c.peer, handle, std::move(ref));
    exchange_->endpoint_ready(c.peer);
    if (c.accepted) {
      stats_.peers_accepted.fetch_add(1, std::memory_order_relaxed);
      if (handlers_.on_accept)
        handlers_.on_accept(c.peer);
    }
  }

  /// The peer has its endpoint to us: frames may go once ours is wired.
  void peer_ready(peer_id peer) {
    auto i = peers_.find(peer);
    if (i == peers_.end())
      return;
    i->second.peer_ready = true;
    if (i->second.wired)
      send_waiting(peer);
  }

  void fail_connect(peer_id peer, const std::string& why) {
    {
      std::lock_guard guard{mtx_};
      dead_.insert(peer);
    }
    stats_.peers_closed.fetch_add(1, std::memory_order_relaxed);
    if (handlers_.on_closed)
      handlers_.on_closed(peer, why);
  }

  void add_peer(peer_id peer, ucp_ep_h ep, std::unique_ptr<endpoint_ref> ref) {
    by_ep_.emplace(ep, peer);
    auto& state = peers_[peer];
    state.ep = ep;
    auto* r = ref.get();
    state.ref = std::move(ref);
    // A flush completes once the endpoint's lanes are wired up.
    ucp_request_param_t p{};
    p.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK | UCP_OP_ATTR_FIELD_USER_DATA;
    p.cb.send = &impl::on_wired;
    p.user_data = r;
    auto f = ucp_ep_flush_nbx(ep, &p);
    if (f == nullptr)
      wire_done(peer);
    else if (UCS_PTR_IS_ERR(f))
      end_peer(peer, fmt::format("wiring up: {}", ucs_status_string(UCS_PTR_STATUS(f))), true);
  }

  static void on_wired(void* request, ucs_status_t status, void* user_data) {
    ucp_request_free(request);
    auto* ref = static_cast<endpoint_ref*>(user_data);
    auto* self = ref->self;
    if (self->stopping_.load(std::memory_order_acquire))
      return;
    // A flush that fails fails with its endpoint, whose error handler ends
    // the peer (closing the endpoint here, inside UCX's failure path,
    // trips UCX's assertions).
    if (status == UCS_OK)
      self->wire_done(ref->peer);
  }

  /// Whether UCX put a shared memory lane on `ep` (its lanes, as
  /// ucp_ep_print_info describes them, name a "memory" device).
  static bool on_shared_memory(ucp_ep_h ep) {
    char* text = nullptr;
    std::size_t size = 0;
    FILE* f = ::open_memstream(&text, &size);
    if (f == nullptr)
      return false;
    ucp_ep_print_info(ep, f);
    std::fclose(f);
    std::string info{text, size};
    std::free(text);
    return info.find("posix/memory") != std::string::npos
           || info.find("sysv/memory") != std::string::npos;
  }

  /// Sends what waited for the endpoint's wire-up, in order.
  void wire_done(peer_id peer) {
    auto i = peers_.find(peer);
    if (i == peers_.end())
      return;
    i->second.wired = true;
    if (on_shared_memory(i->second.ep))
      stats_.peers_on_shared_memory.fetch_add(1, std::memory_order_relaxed);
    if (i->second.peer_ready)
      send_waiting(peer);
  }

  void send_waiting(peer_id peer) {
    auto i = peers_.find(peer);
    auto waiting = std::move(i->second.waiting);
    for (auto& f : waiting)
      do_send(peer, std::move(f));
  }

  void do_send(peer_id peer, std::vector<std::byte> frame) {
    auto i = peers_.find(peer);
    if (i == peers_.end()) {
      stats_.send_errors.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (!i->second.wired || !i->second.peer_ready) {
      i->second.waiting.push_back(std::move(frame));
      return;
    }
    auto size = frame.size();
    auto* out = new outgoing{i->second.next_send++, std::move(frame), &sends_in_flight_};
    ucp_request_param_t p{};
    p.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK | UCP_OP_ATTR_FIELD_USER_DATA
                     | UCP_OP_ATTR_FIELD_FLAGS;
    // REPLY names our endpoint to the receiver (which peer sent it).
    p.flags = UCP_AM_SEND_FLAG_REPLY;
    p.cb.send = &impl::on_sent;
    p.user_data = out;
    auto r = ucp_am_send_nbx(i->second.ep, frame_am_id, &out->seq, sizeof(out->seq),
                             out->bytes.data(), size, &p);
    if (UCS_PTR_IS_ERR(r)) {
      delete out;
      stats_.send_errors.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (r == nullptr)
      delete out; // done at once
    else
      ++sends_in_flight_;
    stats_.frames_sent.fetch_add(1, std::memory_order_relaxed);
    stats_.bytes_sent.fetch_add(size, std::memory_order_relaxed);
  }

  static void on_sent(void* request, ucs_status_t status, void* user_data) {
    std::unique_ptr<outgoing> out{static_cast<outgoing*>(user_data)};
    --*out->in_flight;
    // A failed send surfaces as the endpoint's error as well.
    (void) status;
    ucp_request_free(request);
  }

  /// Ends a peer once: closes its endpoint (forced: never waits for a peer
  /// that may be gone) and tells on_closed.
  void end_peer(peer_id peer, const std::string& why, bool notify) {
    auto i = peers_.find(peer);
    if (i == peers_.end())
      return;
    auto state = std::move(i->second);
    peers_.erase(i);
    {
      std::lock_guard guard{mtx_};
      dead_.insert(peer);
    }
    if (state.ep != nullptr) {
      by_ep_.erase(state.ep);
      close_endpoint(state.ep);
      retired_refs_.push_back(std::move(state.ref)); // UCX may still call its error handler
    }
    exchange_->abandon(peer); // a connection still in its exchange closes
    stats_.peers_closed.fetch_add(1, std::memory_order_relaxed);
    if (notify && handlers_.on_closed)
      handlers_.on_closed(peer, why);
  }

  void close_endpoint(ucp_ep_h ep) {
    ucp_request_param_t p{};
    p.op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS;
    p.flags = UCP_EP_CLOSE_FLAG_FORCE;
    auto r = ucp_ep_close_nbx(ep, &p);
    if (r != nullptr && !UCS_PTR_IS_ERR(r))
      closing_.push_back(r);
  }

  /// Frees the close requests UCX has finished.
  void reap_closing() {
    std::erase_if(closing_, [](void* r) {
      if (ucp_request_check_status(r) == UCS_INPROGRESS)
        return false;
      ucp_request_free(r);
      return true;
    });
  }

  static void on_ep_error(void* arg, ucp_ep_h, ucs_status_t status) {
    auto* ref = static_cast<endpoint_ref*>(arg);
    ref->self->end_peer(ref->peer, fmt::format("peer lost: {}", ucs_status_string(status)), true);
  }

  static ucs_status_t on_am(void* arg, const void* header, size_t header_length, void* data,
                            size_t length, const ucp_am_recv_param_t* param) {
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
    std::uint64_t seq = 0;
    if (header_length != sizeof(seq)) {
      self->end_peer(peer, "peer sent a frame without a sequence number (not a ringactor peer)",
                     true);
      return UCS_OK;
    }
    std::memcpy(&seq, header, sizeof(seq));
    if ((param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV) == 0) {
      std::vector<std::byte> frame(length);
      if (length != 0)
        std::memcpy(frame.data(), data, length);
      self->accept_frame(peer, seq, std::move(frame));
      return UCS_OK;
    }
    // A large frame: fetch it (UCX owns the descriptor from here on).
    auto* in = new incoming{self, peer, seq, std::vector<std::byte>(length)};
    ucp_request_param_t p{};
    p.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK | UCP_OP_ATTR_FIELD_USER_DATA;
    p.cb.recv_am = &impl::on_received;
    p.user_data = in;
    auto r = ucp_am_recv_data_nbx(self->worker_, data, in->bytes.data(), length, &p);
    if (r == nullptr) {
      std::unique_ptr<incoming> own{in};
      self->accept_frame(peer, seq, std::move(in->bytes));
    } else if (UCS_PTR_IS_ERR(r)) {
      delete in;
      self->end_peer(peer,
                     fmt::format("receiving a frame: {}", ucs_status_string(UCS_PTR_STATUS(r))),
                     true);
    }
    return UCS_OK;
  }

  static void on_received(void* request, ucs_status_t status, size_t, void* user_data) {
    std::unique_ptr<incoming> in{static_cast<incoming*>(user_data)};
    ucp_request_free(request);
    auto* self = in->self;
    if (self->stopping_.load(std::memory_order_acquire))
      return;
    if (status != UCS_OK)
      self->end_peer(in->peer, fmt::format("receiving a frame: {}", ucs_status_string(status)),
                     true);
    else
      self->accept_frame(in->peer, in->seq, std::move(in->bytes));
  }

  /// Delivers `frame`, number `seq` of `peer`, in its peer's order: at once
  /// when it is the next, with those held back behind it; held back when
  /// it is early.
  void accept_frame(peer_id peer, std::uint64_t seq, std::vector<std::byte> frame) {
    auto i = peers_.find(peer);
    if (i == peers_.end())
      return; // ended meanwhile
    auto& state = i->second;
    stats_.frames_received.fetch_add(1, std::memory_order_relaxed);
    stats_.bytes_received.fetch_add(frame.size(), std::memory_order_relaxed);
    if (seq != state.next_receive) {
      if (seq < state.next_receive || !state.early.emplace(seq, std::move(frame)).second)
        end_peer(peer, fmt::format("peer sent frame {} twice", seq), true);
      return;
    }
    ++state.next_receive;
    deliver(peer, std::move(frame));
    // Handlers cannot end a peer here (close() queues a command), but look
    // it up again each time all the same.
    for (auto j = peers_.find(peer); j != peers_.end(); j = peers_.find(peer)) {
      auto k = j->second.early.find(j->second.next_receive);
      if (k == j->second.early.end())
        break;
      auto next = std::move(k->second);
      j->second.early.erase(k);
      ++j->second.next_receive;
      deliver(peer, std::move(next));
    }
  }

  void deliver(peer_id peer, std::vector<std::byte> frame) {
    if (handlers_.on_frame)
      handlers_.on_frame(peer, std::move(frame));
  }

  // -- shutting down ------------------------------------------------------------------

  void shut_down() {
    if (thread_.joinable()) {
      // The exchange's thread first: it posts commands to the progress
      // thread (which may still call the exchange, hence no reset yet).
      exchange_->stop();
      stopping_.store(true, std::memory_order_release);
      ucp_worker_signal(worker_);
      thread_.join();
    }
    exchange_.reset();
    if (worker_ != nullptr) {
      // Drop the queue, close every endpoint, and let UCX finish (bounded).
      commands_.clear();
      for (auto& [peer, state] : peers_) {
        if (state.ep == nullptr)
          continue; // still in its exchange
        by_ep_.erase(state.ep);
        close_endpoint(state.ep);
        retired_refs_.push_back(std::move(state.ref));
      }
      peers_.clear();
      auto until = std::chrono::steady_clock::now() + close_grace;
      while (!closing_.empty() && std::chrono::steady_clock::now() < until) {
        ucp_worker_progress(worker_);
        reap_closing();
      }
      ucp_worker_destroy(worker_);
      worker_ = nullptr;
    }
    if (context_ != nullptr) {
      ucp_cleanup(context_);
      context_ = nullptr;
    }
  }

  transport_config cfg_;
  transport_handlers handlers_;
  ucp_context_h context_ = nullptr;
  ucp_worker_h worker_ = nullptr;
  std::unique_ptr<detail::address_exchange> exchange_; // the node's port
  int event_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  // Paired with the progress thread's acquire load: the destructor's stop.
  std::atomic<bool> stopping_{false};
  // Ids are handed out by any thread (connect) and by the progress thread
  // (accepted peers); relaxed: only uniqueness matters.
  std::atomic<peer_id> next_peer_{1};

  mutable std::mutex mtx_;       // guards commands_ and dead_
  std::deque<command> commands_; // guarded by mtx_
  // Guarded by mtx_: the progress thread found no command and is about to
  // block (or blocks) on the event descriptor. A command queued meanwhile
  // signals the worker; one queued while it runs is taken on its next pass
  // without a signal (a system call per frame that the sender need not make).
  bool progress_blocked_ = false;
  std::unordered_set<peer_id> dead_; // guarded by mtx_: peers that ended

  // The progress thread's own.
  std::unordered_map<peer_id, peer_state> peers_;
  std::unordered_map<ucp_ep_h, peer_id> by_ep_;
  std::vector<std::unique_ptr<endpoint_ref>> retired_refs_;
  std::vector<void*> closing_;      // close requests in progress
  std::size_t sends_in_flight_ = 0; // send requests UCX has not completed

  struct counters {
    // Relaxed: statistics.
    std::atomic<std::uint64_t> frames_sent{0}, frames_received{0}, bytes_sent{0}, bytes_received{0},
      send_errors{0}, peers_accepted{0}, peers_closed{0}, peers_on_shared_memory{0};
  } stats_;
};

expected<std::unique_ptr<transport>> transport::start(transport_config cfg,
                                                      transport_handlers handlers) {
  auto x = std::make_unique<impl>(std::move(cfg), std::move(handlers));
  if (auto r = x->open(); !r)
    return r.error();
  return std::unique_ptr<transport>{new transport{std::move(x)}};
}

transport::transport(std::unique_ptr<impl> x) : impl_(std::move(x)) {}

transport::~transport() = default;

std::uint16_t transport::port() const noexcept {
  return impl_->port();
}

peer_id transport::connect(const std::string& host, std::uint16_t port) {
  return impl_->connect(host, port);
}

bool transport::send(peer_id peer, std::vector<std::byte> frame) {
  return impl_->send(peer, std::move(frame));
}

void transport::close(peer_id peer) {
  impl_->close(peer);
}

transport_stats transport::stats() const noexcept {
  return impl_->stats();
}

} // namespace ringactor::remote
