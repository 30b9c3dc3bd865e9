// ringactor k2k: retiring a broker's device links in three steps (see
// retired_link in device_links.hpp), collecting those whose kernels let go,
// and giving up on (leaking, never freeing) those a kernel never released.
#include "device_links.hpp"

#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "ringactor/logger.hpp"

namespace ringactor::k2k::detail {

namespace {

/// Regions given up on (a kernel never acknowledged): kept until the
/// process exits rather than freed under a kernel that may still use them.
void leak(shared_region region) {
  static auto* graveyard = new std::vector<shared_region>;
  static std::mutex mutex;
  std::lock_guard guard{mutex};
  graveyard->push_back(std::move(region));
}

/// The same for the endpoints of a channel given up on: they keep their
/// kernels' sessions (the ports, the doorbells a route may still ring)
/// alive; abandon_kernel_port makes sure no owner (with fresh bookkeeping)
/// reuses an entry the kernel may still read.
void leak(std::shared_ptr<void> endpoint) {
  static auto* graveyard = new std::vector<std::shared_ptr<void>>;
  static std::mutex mutex;
  std::lock_guard guard{mutex};
  graveyard->push_back(std::move(endpoint));
}

} // namespace

device_links::~device_links() {
  // The broker removed its metrics collector first; the lock is for form.
  std::lock_guard guard{mutex_};
  auto now = std::chrono::steady_clock::now();
  for (auto& x : links_)
    retire(std::move(x), now, /*drain=*/false);
  links_.clear();
  // No waiting for receivers to drain either: their inbound entries go now.
  for (auto& r : retired_)
    if (r.what.to && r.step != retire_step::receiver)
      retire_inbound(r, now);
  // The broker exits: wait (bounded) for the kernels to let go, then leak
  // what is left. Live kernels acknowledge within a loop iteration.
  auto until = now + std::chrono::seconds{1};
  for (std::uint32_t n = 0; collect_locked(std::chrono::steady_clock::now()); ++n) {
    if (std::chrono::steady_clock::now() >= until) {
      log_warn("k2k broker: {} device channels not acknowledged by their kernels at exit; "
               "their memory is leaked",
               retired_.size());
      for (auto& r : retired_)
        abandon(r);
      retired_.clear();
      break;
    }
    if (n < 64)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::microseconds{100});
  }
  for (auto& ep : devices_) {
    // The kernel keeps running without us: no identity any more.
    ep->ref().set_identity(0, 0);
    ep->port.channel->control().wake();
  }
}
void device_links::retire(link x, time_point now, bool drain) {
  retired_link r;
  r.from_version = x.from->ref().retire_route(static_cast<std::uint32_t>(x.route));
  x.from->port.channel->control().wake();
  r.what = std::move(x);
  r.step = retire_step::sender;
  r.deadline = now + ack_limit;
  if (r.what.to && !drain)
    retire_inbound(r, now);
  retired_.push_back(std::move(r));
}

void device_links::retire_inbound(retired_link& r, time_point now) {
  auto& to = *r.what.to;
  r.to_version = to.ref().retire_inbound(static_cast<std::uint32_t>(r.what.inbound));
  to.port.channel->control().wake();
  r.step = retire_step::receiver;
  r.deadline = now + ack_limit;
}

bool device_links::advance(retired_link& r, time_point now) {
  auto& x = r.what;
  if (r.step == retire_step::sender) {
    if (!acknowledged(x.from, r.from_version)) {
      if (now < r.deadline)
        return false;
      log_warn("k2k broker: '{}' did not let go of its route to '{}' within {} s; the "
               "channel's memory is leaked",
               x.from->name, x.to_name, ack_limit.count());
      r.abandoned = true;
      if (!x.to)
        return true;
      // The receiver stops polling it; what the sender may still write there
      // is lost (and never read from freed memory).
      retire_inbound(r, now);
      return false;
    }
    if (!x.to)
      return true;
    // The sender writes no more: the receiver may take what is left.
    r.step = retire_step::draining;
    r.deadline = now + drain_limit;
  }
  if (r.step == retire_step::draining) {
    auto c = channel_counts(x.memory);
    // The receiver's leader takes from the channel while its inbound entry
    // is live, as before. Done when it took everything, when its loop ended
    // (nothing more will be taken), or when it took too long.
    bool empty = !c || c->consumed == c->produced;
    if (!empty && x.to->port.loop_running() && now < r.deadline)
      return false;
    retire_inbound(r, now);
  }
  bool sender_done = r.abandoned || acknowledged(x.from, r.from_version);
  if (sender_done && acknowledged(x.to, r.to_version))
    return true;
  if (now < r.deadline)
    return false;
  log_warn("k2k broker: the device channel from '{}' to '{}' was not let go of within {} s; "
           "its memory is leaked",
           x.from->name, x.to_name, ack_limit.count());
  r.abandoned = true;
  return true;
}

bool device_links::acknowledged(const endpoint_ptr& ep, std::uint64_t version) const {
  // A kernel whose loop ended reads its port no more (the loop acknowledges
  // at its exit too, but a faulted stream may never get there).
  return ep->ref().acknowledged(version) || !ep->port.loop_running();
}

void device_links::finish(retired_link& r) {
  auto& x = r.what;
  x.from->routes_used.reset(static_cast<std::size_t>(x.route));
  if (x.to) {
    x.to->inbound_used.reset(static_cast<std::size_t>(x.inbound));
    // Both kernels let go: the counters are final.
    if (auto c = channel_counts(x.memory)) {
      retained_.channel += c->produced;
      retained_.queue_full += c->queue_full;
      lost_at_teardown_ += c->produced - c->consumed;
    }
  }
}

bool device_links::collect(time_point now) {
  std::lock_guard guard{mutex_};
  return collect_locked(now);
}

bool device_links::collect_locked(time_point now) {
  std::erase_if(retired_, [&](retired_link& r) {
    if (!advance(r, now))
      return false;
    if (r.abandoned) {
      abandon(r);
    } else {
      finish(r);
    }
    return true; // frees the channel's memory (unless leaked above)
  });
  return !retired_.empty();
}

void device_links::abandon(retired_link& r) {
  // A kernel may still use its entries and the channel: the memory is never
  // freed, and the entries stay taken for good (the endpoints are kept too).
  // The port of a kernel that did not let go is given up for good: keeping
  // the claim is not enough, as its owner (this object, or a later one at
  // the same address) could claim it again with fresh bookkeeping.
  // Its counts as they are now (the latest read: what a kernel that still
  // runs pushes later is not counted).
  if (r.what.to)
    if (auto c = channel_counts(r.what.memory)) {
      retained_.channel += c->produced;
      retained_.queue_full += c->queue_full;
    }
  leak(std::move(r.what.memory));
  auto& from = r.what.from;
  if (!acknowledged(from, r.from_version))
    abandon_kernel_port(from->id, from->owner);
  leak(std::shared_ptr<void>{from});
  if (auto& to = r.what.to) {
    if (r.step != retire_step::receiver || !acknowledged(to, r.to_version))
      abandon_kernel_port(to->id, to->owner);
    leak(std::shared_ptr<void>{to});
  }
}

device_links::endpoint_ptr device_links::retiring_endpoint(actor_id id) const {
  for (auto& r : retired_) {
    if (r.what.from->id == id)
      return r.what.from;
    if (r.what.to && r.what.to->id == id)
      return r.what.to;
  }
  return nullptr;
}

} // namespace ringactor::k2k::detail
