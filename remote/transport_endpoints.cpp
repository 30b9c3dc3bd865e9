// The transport's endpoints: a peer from its connect (or its accept on the
// node's port) to its end. The endpoint is made from the worker address the
// port's exchange brought, waits for its wire-up and for the peer's ready
// byte before frames go, and ends once (UCX's peer error handling, a close
// here, a failed exchange), telling on_closed.
#include "transport_impl.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include <ringactor/logger.hpp>

namespace ringactor::remote {

using detail::parse_address;

peer_id transport::impl::connect(const std::string& host, std::uint16_t port) {
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

void transport::impl::close(peer_id peer) {
  command c;
  c.what = command::kind::close;
  c.peer = peer;
  post(std::move(c));
}

void transport::impl::do_connect(command& c) {
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
void transport::impl::attach(command& c) {
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
void transport::impl::peer_ready(peer_id peer) {
  auto i = peers_.find(peer);
  if (i == peers_.end())
    return;
  i->second.peer_ready = true;
  if (i->second.wired)
    send_waiting(peer);
}

void transport::impl::fail_connect(peer_id peer, const std::string& why) {
  {
    std::lock_guard guard{mtx_};
    dead_.insert(peer);
  }
  stats_.peers_closed.fetch_add(1, std::memory_order_relaxed);
  if (handlers_.on_closed)
    handlers_.on_closed(peer, why);
}

void transport::impl::add_peer(peer_id peer, ucp_ep_h ep, std::unique_ptr<endpoint_ref> ref) {
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

void transport::impl::on_wired(void* request, ucs_status_t status, void* user_data) {
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
bool transport::impl::on_shared_memory(ucp_ep_h ep) {
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
void transport::impl::wire_done(peer_id peer) {
  auto i = peers_.find(peer);
  if (i == peers_.end())
    return;
  i->second.wired = true;
  if (on_shared_memory(i->second.ep))
    stats_.peers_on_shared_memory.fetch_add(1, std::memory_order_relaxed);
  if (i->second.peer_ready)
    send_waiting(peer);
}

/// Ends a peer once: closes its endpoint (forced: never waits for a peer
/// that may be gone) and tells on_closed.
void transport::impl::end_peer(peer_id peer, const std::string& why, bool notify) {
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

void transport::impl::close_endpoint(ucp_ep_h ep) {
  ucp_request_param_t p{};
  p.op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS;
  p.flags = UCP_EP_CLOSE_FLAG_FORCE;
  auto r = ucp_ep_close_nbx(ep, &p);
  if (r != nullptr && !UCS_PTR_IS_ERR(r))
    closing_.push_back(r);
}

/// Frees the close requests UCX has finished.
void transport::impl::reap_closing() {
  std::erase_if(closing_, [](void* r) {
    if (ucp_request_check_status(r) == UCS_INPROGRESS)
      return false;
    ucp_request_free(r);
    return true;
  });
}

void transport::impl::on_ep_error(void* arg, ucp_ep_h, ucs_status_t status) {
  auto* ref = static_cast<endpoint_ref*>(arg);
  ref->self->end_peer(ref->peer, fmt::format("peer lost: {}", ucs_status_string(status)), true);
}

} // namespace ringactor::remote
