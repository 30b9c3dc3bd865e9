// The transport's set-up and tear-down: the UCX context and worker (which
// transports, how frames go: transport_config turned into UCX settings),
// the active-message handler, the node's port (address_exchange.hpp) and
// the progress thread started on it; the shutdown that closes it all in
// order; the public transport API, which forwards to the impl.
//
// The rest of transport::impl (transport_impl.hpp): the progress loop
// (transport_progress.cpp), the endpoints to peers (transport_endpoints.cpp)
// and the per-peer order of frames received (transport_order.cpp).
#include "transport_impl.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace ringactor::remote {

namespace {

/// How long the destructor lets UCX finish closing endpoints.
constexpr auto close_grace = std::chrono::seconds{2};

using detail::parse_address;

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
expected<void> set_ucx(ucp_config_t* config, const char* name, const std::string& value) {
  if (auto s = ucp_config_modify(config, name, value.c_str()); s != UCS_OK)
    return detail::ucx_error(fmt::format("UCX_{}={}", name, value).c_str(), s);
  return {};
}

} // namespace

expected<void> transport::impl::open() {
  ucp_config_t* config = nullptr;
  if (auto s = ucp_config_read(nullptr, nullptr, &config); s != UCS_OK)
    return detail::ucx_error("reading the UCX configuration", s);
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
    return detail::ucx_error("creating the UCX context", s);
  ucp_context_attr_t attr{};
  attr.field_mask = UCP_ATTR_FIELD_MEMORY_TYPES;
  if (ucp_context_query(context_, &attr) == UCS_OK)
    cuda_memory_ = (attr.memory_types & UCS_BIT(UCS_MEMORY_TYPE_CUDA)) != 0;
  ucp_worker_params_t wp{};
  wp.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE;
  // The progress thread, or a sender while it sleeps: one at a time, under
  // worker_mtx_.
  wp.thread_mode = UCS_THREAD_MODE_SERIALIZED;
  if (s = ucp_worker_create(context_, &wp, &worker_); s != UCS_OK)
    return detail::ucx_error("creating the UCX worker", s);
  if (s = ucp_worker_get_efd(worker_, &event_fd_); s != UCS_OK)
    return detail::ucx_error("the UCX worker's event descriptor", s);
  ucp_am_handler_param_t am{};
  am.field_mask = UCP_AM_HANDLER_PARAM_FIELD_ID | UCP_AM_HANDLER_PARAM_FIELD_CB
                  | UCP_AM_HANDLER_PARAM_FIELD_ARG | UCP_AM_HANDLER_PARAM_FIELD_FLAGS;
  am.id = detail::frame_am_id;
  am.cb = &impl::on_am;
  am.arg = this;
  am.flags = UCP_AM_FLAG_WHOLE_MSG;
  if (s = ucp_worker_set_am_recv_handler(worker_, &am); s != UCS_OK)
    return detail::ucx_error("setting the frame handler", s);
  auto addr = parse_address(cfg_.listen_address, cfg_.listen_port);
  if (!addr)
    return addr.error();
  // The node's port is ours, not UCX's (address_exchange.hpp): peers
  // learn each other's worker address there and UCX never sees a byte of
  // it.
  ucp_address_t* own = nullptr;
  std::size_t own_length = 0;
  if (s = ucp_worker_get_address(worker_, &own, &own_length); s != UCS_OK)
    return detail::ucx_error("the UCX worker's address", s);
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

/// What this transport sets in UCX's configuration (the environment's
/// UCX_* variables are read first; these override them).
expected<void> transport::impl::configure(ucp_config_t* config) {
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

transport_stats transport::impl::stats() const noexcept {
  transport_stats out;
  out.frames_sent = stats_.frames_sent.load(std::memory_order_relaxed);
  out.frames_received = stats_.frames_received.load(std::memory_order_relaxed);
  out.bytes_sent = stats_.bytes_sent.load(std::memory_order_relaxed);
  out.bytes_received = stats_.bytes_received.load(std::memory_order_relaxed);
  out.send_errors = stats_.send_errors.load(std::memory_order_relaxed);
  out.peers_accepted = stats_.peers_accepted.load(std::memory_order_relaxed);
  out.peers_closed = stats_.peers_closed.load(std::memory_order_relaxed);
  out.peers_on_shared_memory = stats_.peers_on_shared_memory.load(std::memory_order_relaxed);
  out.batches_sent = stats_.batches_sent.load(std::memory_order_relaxed);
  out.direct_sends = stats_.direct_sends.load(std::memory_order_relaxed);
  out.preambles_refused = exchange_ != nullptr ? exchange_->refused() : 0;
  out.send_buffers_reused = cfg_.spare_buffers->reused();
  out.receive_buffers_reused = stats_.receive_buffers_reused.load(std::memory_order_relaxed);
  return out;
}

void transport::impl::shut_down() {
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

bool transport::cuda_memory() const noexcept {
  return impl_->cuda_memory();
}

transport_stats transport::stats() const noexcept {
  return impl_->stats();
}

const std::shared_ptr<frame_buffers>& transport::spare_buffers() const noexcept {
  return impl_->spare_buffers();
}

} // namespace ringactor::remote
