#include "ringactor/k2k/broker.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "device_links.hpp"
#include "broker_metrics.hpp"
#include "endpoint_queue.hpp"
#include "receipt_store.hpp"
#include "ringactor/actor_system.hpp"
#include "ringactor/k2k/type_registry.hpp"
#include "ringactor/trace_scope.hpp"

namespace ringactor::k2k {

const endpoint_stats* broker_stats::endpoint(std::string_view kernel_id) const noexcept {
  auto i = std::find_if(endpoints.begin(), endpoints.end(),
                        [&](const endpoint_stats& x) { return x.kernel_id == kernel_id; });
  return i != endpoints.end() ? &*i : nullptr;
}

const device_channel_stats*
broker_stats::device_channel(std::string_view source, std::string_view destination) const noexcept {
  auto i = std::find_if(device_channels.begin(), device_channels.end(), [&](const auto& x) {
    return x.source == source && x.destination == destination;
  });
  return i != device_channels.end() ? &*i : nullptr;
}

namespace {

using steady = std::chrono::steady_clock;

/// A device channel capacity the broker accepts: a ring geometry (a power of
/// two >= 2) within max_device_channel_capacity.
bool valid_channel_capacity(std::uint32_t capacity) noexcept {
  return capacity <= max_device_channel_capacity
         && ring_view::valid_geometry(capacity, min_slot_size);
}

class broker_state;
using broker_pointer = broker::stateful_pointer<broker_state>;

struct endpoint_state {
  endpoint_state(std::string id, actor hdl, std::size_t in_flight_limit, std::uint64_t gen,
                 std::size_t capacity)
    : kernel_id(std::move(id)),
      handle(std::move(hdl)),
      max_in_flight(in_flight_limit),
      generation(gen),
      queue(capacity) {}

  std::string kernel_id;
  actor handle;
  std::size_t max_in_flight;
  /// Tells this registration from an earlier one under the same kernel id.
  std::uint64_t generation;
  detail::endpoint_queue queue;
  std::size_t in_flight = 0;
  std::uint64_t delivered = 0;
  std::uint64_t forwarded = 0;
};

/// What the broker keeps of a message it handed to an endpoint, until the
/// endpoint confirms it (or the delivery fails).
struct in_flight_entry {
  envelope_id id;
  std::string destination;
  std::uint32_t hops = 0;
  receipt_policy policy = receipt_policy::final_outcome;
  typed_response_promise<receipt> reply_to;
  std::string endpoint;
  std::uint64_t generation = 0;
  bool forward = false;
  trace_context trace;
};

/// `now + timeout`, or time_point::max() (never) where that is beyond the
/// clock's range: a timeout of `infinite` must not wrap into the past.
steady::time_point deadline_after(steady::time_point now, std::chrono::nanoseconds timeout) {
  if (timeout >= steady::time_point::max() - now)
    return steady::time_point::max();
  return now + std::chrono::duration_cast<steady::duration>(timeout);
}

/// The delivery status for a failed hand-over. An endpoint that ended
/// answers dead_receiver, or its exit reason when it ended abnormally
/// (`gone`: it is exiting, or, unregistered already, it answered an error of
/// the exit_reason category).
delivery_status status_of(const error& err, bool gone) {
  if (err == sec::dead_receiver || gone)
    return delivery_status::not_found;
  if (err == sec::request_timeout)
    return delivery_status::timeout;
  return delivery_status::rejected;
}

class broker_state {
public:
  explicit broker_state(broker_pointer self) : self_(self) {}

  broker_state(const broker_state&) = delete;
  broker_state& operator=(const broker_state&) = delete;

  /// The broker exits: every message it still holds gets its receipt.
  ~broker_state() {
    metrics_.stop_watching(); // no scrape reads links_ once it goes
    for (auto& [id, ep] : endpoints_)
      ep.queue.drain([&](detail::queued_envelope q) {
        answer_only(q.env.id, q.env.destination, q.env.hops, q.env.reply_to,
                    delivery_status::not_found,
                    error{sec::dead_receiver, "the broker exited before delivery"}, q.env.trace);
      });
    for (auto& [seq, e] : in_flight_)
      answer_only(e.id, e.destination, e.hops, e.reply_to, delivery_status::timeout,
                  error{sec::dead_receiver, "the broker exited before the endpoint confirmed"},
                  e.trace);
  }

  void init(broker_config cfg) {
    cfg_ = std::move(cfg);
    clock_ = cfg_.clock ? cfg_.clock : process_clock();
    receipts_ = detail::receipt_store{cfg_.receipt_retention};
    metrics_ = detail::broker_metrics{self_->system(), cfg_.name};
    // Queued messages past their deadline are found at this period; a
    // timeout receipt is late by at most this much.
    expiry_period_ = std::clamp<std::chrono::nanoseconds>(cfg_.delivery_timeout / 8,
                                                          std::chrono::milliseconds{1},
                                                          std::chrono::seconds{1});
    self_->set_down_handler([this](down_msg& x) { on_down(x); });
    links_ = std::make_unique<detail::device_links>(self_->id(), clock_->node_id(),
                                                    cfg_.device_channel_capacity);
    metrics_.watch(*links_);
  }

  broker::behavior_type make_behavior() {
    return {
      [this](send_msg& x) -> result<receipt> { return on_send(x); },
      [this](envelope& x) -> result<void> { return on_envelope(x); },
      [this](kernel_routed_message& x) -> result<void> {
        on_kernel_routed(x);
        return {};
      },
      [this](register_endpoint& x) -> result<void> { return on_register(x); },
      [this](unregister_endpoint& x) -> result<void> { return on_unregister(x); },
      [this](add_route& x) -> result<void> {
        if (auto other = name_with_address_of(x.destination))
          return error{
            errc::duplicate_endpoint,
            fmt::format("route '{}' has the K2K address of '{}'", x.destination, *other)};
        links_->add_routed(x.destination);
        routes_.insert_or_assign(std::move(x.destination), std::move(x.next_hop));
        names_stale_ = true;
        return {};
      },
      [this](remove_route& x) -> result<void> {
        if (routes_.erase(x.destination) == 0)
          return error{errc::unknown_route, x.destination};
        links_->remove_routed(x.destination);
        names_stale_ = true;
        if (links_->retiring())
          schedule_expiry(); // the kernels' broker routes to it retire
        return {};
      },
      [this](lookup_receipt& x) -> result<receipt> {
        if (auto r = receipts_.find(x.id))
          return *r;
        return error{errc::unknown_receipt, to_string(x.id)};
      },
      [this](get_stats) -> result<broker_stats> { return stats(); },
      [this](detail::expire_tick) -> result<void> {
        on_expire_tick();
        return {};
      },
    };
  }

private:
  // -- taking messages in ---------------------------------------------------------

  /// Why a message may not be taken in (empty, or of an unregistered type;
  /// counted), or no error. Sends and envelopes alike: any actor may send
  /// either, and an empty message would be dereferenced at delivery.
  error refusal(const dynamic_message& message, const std::string& destination) {
    if (!message) {
      ++refused_sends_;
      return error{errc::empty_message, destination};
    }
    if (auto type = type_registry::global().require(message.type()); !type) {
      ++refused_sends_;
      return type.error();
    }
    return {};
  }

  result<receipt> on_send(send_msg& x) {
    if (auto err = refusal(x.message, x.destination))
      return err;
    ++accepted_;
    envelope env;
    env.id = clock_->tick();
    env.stamp = env.id;
    env.destination = std::move(x.destination);
    env.priority = x.priority;
    env.policy = x.policy;
    env.hops = 0;
    env.deadline = deadline_after(steady::now(), cfg_.delivery_timeout);
    env.reply_to = self_->make_response_promise<receipt>();
    env.trace = self_->current_trace();
    env.message = std::move(x.message);
    auto rp = env.reply_to;
    route(std::move(env));
    return rp;
  }

  /// A kernel's send to a destination behind one of our routes (see
  /// "Device channels" in broker.hpp).
  void on_kernel_routed(kernel_routed_message& x) {
    ++accepted_;
    ++kernel_routed_;
    envelope env;
    // The receive rule first: the message's id comes after the kernel's send.
    auto merged = clock_->update(x.stamp);
    env.id = merged ? *merged : clock_->tick();
    env.stamp = env.id;
    env.priority = priority::normal;
    env.policy = receipt_policy::final_outcome;
    env.hops = 0;
    env.deadline = deadline_after(steady::now(), cfg_.delivery_timeout);
    env.trace = self_->current_trace();
    env.message = std::move(x.content);
    auto name = name_of(x.destination);
    env.destination = name != nullptr ? *name : fmt::format("k2k:{:016x}", x.destination);
    if (name == nullptr) {
      // The route went away after the kernel looked it up.
      finish(env, delivery_status::not_found,
             error{errc::unknown_endpoint,
                   fmt::format("a kernel sent to K2K address {:#x}, which no endpoint and no "
                               "route has",
                               x.destination)});
      return;
    }
    if (auto type = type_registry::global().require(env.message.type()); !type) {
      finish(env, delivery_status::rejected, type.error());
      return;
    }
    if (!merged) {
      finish(env, delivery_status::rejected, merged.error());
      return;
    }
    route(std::move(env));
  }

  /// Another endpoint or route destination with the K2K address of `name`,
  /// or null. Kernels address endpoints by the hash of their names: two names
  /// with one address could not be told apart (an endpoint and a route of the
  /// same name are one destination).
  const std::string* name_with_address_of(const std::string& name) const {
    auto address = k2k_address(name);
    for (auto& [id, ep] : endpoints_)
      if (id != name && k2k_address(id) == address)
        return &id;
    for (auto& [destination, next_hop] : routes_)
      if (destination != name && k2k_address(destination) == address)
        return &destination;
    return nullptr;
  }

  /// The endpoint or route destination whose K2K address is `address`.
  const std::string* name_of(std::uint64_t address) {
    if (names_stale_) {
      names_.clear();
      for (auto& [id, ep] : endpoints_)
        names_.emplace(k2k_address(id), id);
      for (auto& [destination, next_hop] : routes_)
        names_.emplace(k2k_address(destination), destination);
      names_stale_ = false;
    }
    auto i = names_.find(address);
    return i != names_.end() ? &i->second : nullptr;
  }

  result<void> on_envelope(envelope& env) {
    // The refusal answers the forwarding broker, which turns it into the
    // sender's receipt.
    if (auto err = refusal(env.message, env.destination))
      return err;
    ++accepted_;
    auto merged = clock_->update(env.stamp);
    if (!merged) {
      finish(env, delivery_status::rejected, merged.error());
      return {};
    }
    env.stamp = *merged;
    if (env.hops > cfg_.max_hops) {
      finish(env, delivery_status::max_hops_exceeded,
             error{errc::max_hops_exceeded,
                   fmt::format("arrived after {} hops, the limit is {}", env.hops, cfg_.max_hops)});
      return {};
    }
    route(std::move(env));
    return {};
  }

  // -- routing and queueing ---------------------------------------------------------

  endpoint_state* find_endpoint(const std::string& id) {
    auto i = endpoints_.find(id);
    return i != endpoints_.end() ? &i->second : nullptr;
  }

  void route(envelope env) {
    if (steady::now() >= env.deadline) {
      finish(env, delivery_status::timeout,
             error{sec::request_timeout, "the delivery timeout ran out before routing"});
      return;
    }
    if (auto ep = find_endpoint(env.destination)) {
      enqueue(*ep, std::move(env), false);
      return;
    }
    auto r = routes_.find(env.destination);
    if (r == routes_.end()) {
      finish(env, delivery_status::not_found,
             error{errc::unknown_endpoint,
                   fmt::format("no endpoint and no route for '{}'", env.destination)});
      return;
    }
    // The hop this forward would make must stay within the limit.
    if (env.hops >= cfg_.max_hops) {
      finish(env, delivery_status::max_hops_exceeded,
             error{errc::max_hops_exceeded,
                   fmt::format("{} hops made, the limit is {}", env.hops, cfg_.max_hops)});
      return;
    }
    if (auto next = find_endpoint(r->second)) {
      enqueue(*next, std::move(env), true);
      return;
    }
    finish(env, delivery_status::not_found,
           error{errc::unknown_endpoint,
                 fmt::format("the next hop '{}' of the route to '{}' is not registered", r->second,
                             env.destination)});
  }

  void enqueue(endpoint_state& ep, envelope env, bool forward) {
    if (ep.queue.empty() && ep.in_flight < ep.max_in_flight) {
      dispatch(ep, detail::queued_envelope{std::move(env), forward, 0});
      return;
    }
    if (ep.queue.full()) {
      finish(env, delivery_status::queue_full,
             error{sec::queue_full, fmt::format("'{}' has {} queued and {} in flight", ep.kernel_id,
                                                ep.queue.size(), ep.in_flight)});
      return;
    }
    ep.queue.push(std::move(env), forward);
    schedule_expiry();
  }

  /// Hands messages to `ep` while it has in-flight slots.
  void pump(endpoint_state& ep) {
    while (ep.in_flight < ep.max_in_flight && !ep.queue.empty())
      dispatch(ep, ep.queue.pop());
  }

  void dispatch(endpoint_state& ep, detail::queued_envelope q) {
    auto now = steady::now();
    auto& env = q.env;
    if (env.deadline <= now) {
      finish(env, delivery_status::timeout,
             error{sec::request_timeout,
                   fmt::format("the delivery timeout ran out in the queue of '{}'", ep.kernel_id)});
      return;
    }
    auto seq = ++last_delivery_;
    in_flight_.emplace(seq,
                       in_flight_entry{env.id, env.destination, env.hops, env.policy, env.reply_to,
                                       ep.kernel_id, ep.generation, q.forward, env.trace});
    // The delivery (or the next hop's envelope) is a request within the
    // message's trace, also when pump() runs while another message is handled.
    trace_scope scope{env.trace};
    ++ep.in_flight;
    // A deadline of never asks for no timeout (`now + remaining` would wrap
    // in the requester's clock).
    auto remaining = env.deadline == steady::time_point::max()
                       ? infinite
                       : std::chrono::duration_cast<timespan>(env.deadline - now);
    auto done = [this, seq](const error* err) { on_confirmed(seq, err); };
    if (!q.forward) {
      env.message.request(self_, ep.handle, remaining, std::move(done));
      return;
    }
    ++env.hops;
    env.stamp = clock_->tick();
    if (env.policy == receipt_policy::first_hop)
      env.reply_to = {}; // this broker answers with `forwarded`
    // The next hop acknowledges once it has taken the envelope in; the
    // sender's receipt comes from whichever broker decides.
    dynamic_message::from(std::move(env)).request(self_, ep.handle, remaining, std::move(done));
  }

  void on_confirmed(std::uint64_t seq, const error* err) {
    auto i = in_flight_.find(seq);
    if (i == in_flight_.end())
      return;
    auto e = std::move(i->second);
    in_flight_.erase(i);
    auto ep = find_endpoint(e.endpoint);
    if (ep != nullptr && ep->generation != e.generation)
      ep = nullptr; // unregistered (and maybe registered anew) meanwhile
    if (ep != nullptr)
      --ep->in_flight;
    if (err != nullptr) {
      bool gone = ep != nullptr ? ep->handle.get() != nullptr && ep->handle.get()->is_exiting()
                                : &err->code().category() == &exit_reason_category();
      auto status = status_of(*err, gone);
      auto reason = *err;
      if (status == delivery_status::not_found && *err == sec::dead_receiver)
        reason = error{sec::dead_receiver, fmt::format("'{}' exited", e.endpoint)};
      finish(e.id, e.destination, e.hops, e.reply_to, status, std::move(reason), e.trace);
    } else if (e.forward) {
      ++forwarded_;
      if (ep != nullptr)
        ++ep->forwarded;
      receipt r{e.id,          delivery_status::forwarded,
                e.destination, e.endpoint,
                e.hops + 1,    clock_->tick(),
                error{},       e.trace};
      receipts_.put(r);
      if (e.policy == receipt_policy::first_hop)
        e.reply_to.deliver(std::move(r));
    } else {
      if (ep != nullptr)
        ++ep->delivered;
      finish(e.id, e.destination, e.hops, e.reply_to, delivery_status::delivered, error{}, e.trace);
    }
    if (ep != nullptr)
      pump(*ep);
  }

  // -- outcomes ---------------------------------------------------------------------

  void finish(envelope& env, delivery_status status, error reason) {
    finish(env.id, env.destination, env.hops, env.reply_to, status, std::move(reason), env.trace);
  }

  /// Decides a message's fate: counts it, retains the receipt, answers the sender.
  void finish(const envelope_id& id, const std::string& destination, std::uint32_t hops,
              typed_response_promise<receipt>& reply_to, delivery_status status, error reason,
              const trace_context& trace) {
    count(status);
    metrics_.receipt(status, hops);
    receipt r{id, status, destination, {}, hops, clock_->tick(), std::move(reason), trace};
    receipts_.put(r);
    reply_to.deliver(std::move(r));
  }

  /// Answers without counting or retaining (the broker is going away).
  void answer_only(const envelope_id& id, const std::string& destination, std::uint32_t hops,
                   typed_response_promise<receipt>& reply_to, delivery_status status, error reason,
                   const trace_context& trace) {
    reply_to.deliver(receipt{
      id, status, destination, {}, hops, clock_->tick(), std::move(reason), trace});
  }

  void count(delivery_status status) {
    switch (status) {
      case delivery_status::delivered: ++delivered_; break;
      case delivery_status::forwarded: ++forwarded_; break;
      case delivery_status::not_found: ++dropped_.not_found; break;
      case delivery_status::queue_full: ++dropped_.queue_full; break;
      case delivery_status::timeout: ++dropped_.timeout; break;
      case delivery_status::max_hops_exceeded: ++dropped_.max_hops_exceeded; break;
      case delivery_status::rejected: ++dropped_.rejected; break;
    }
  }

  // -- endpoints --------------------------------------------------------------------

  result<void> on_register(register_endpoint& x) {
    if (!x.endpoint)
      return error{errc::invalid_endpoint, x.kernel_id};
    if (x.kernel_id.empty())
      return error{errc::invalid_endpoint, "an endpoint needs a non-empty kernel id"};
    if (endpoints_.count(x.kernel_id) != 0)
      return error{errc::duplicate_endpoint, x.kernel_id};
    if (x.channel_capacity != 0 && !valid_channel_capacity(x.channel_capacity))
      return error{errc::invalid_endpoint,
                   fmt::format("'{}': a device channel capacity is a power of two in [2, {}], "
                               "not {}",
                               x.kernel_id, max_device_channel_capacity, x.channel_capacity)};
    if (auto other = name_with_address_of(x.kernel_id))
      return error{errc::duplicate_endpoint,
                   fmt::format("'{}' has the K2K address of '{}'", x.kernel_id, *other)};
    auto limit = x.max_in_flight != 0 ? x.max_in_flight : cfg_.max_in_flight;
    auto handle = x.endpoint;
    auto id = x.kernel_id;
    auto ep = endpoints_
                .try_emplace(id, id, std::move(x.endpoint), limit, ++last_generation_,
                             cfg_.queue_capacity)
                .first;
    ep->second.queue.track(metrics_.queued());
    names_stale_ = true;
    links_->add(id, handle, x.channel_capacity);
    if (links_->retiring())
      schedule_expiry(); // broker routes this endpoint replaced
    // An endpoint that exits is unregistered (on_down); one that is already
    // gone yields a down message at once.
    self_->monitor(handle);
    return {};
  }

  result<void> on_unregister(unregister_endpoint& x) {
    auto i = endpoints_.find(x.kernel_id);
    if (i == endpoints_.end())
      return error{errc::unknown_endpoint, x.kernel_id};
    remove_endpoint(i, error{errc::unknown_endpoint,
                             fmt::format("'{}' was unregistered", x.kernel_id)});
    return {};
  }

  void on_down(down_msg& x) {
    for (auto i = endpoints_.begin(); i != endpoints_.end();) {
      if (i->second.handle.address() == x.source) {
        auto id = i->first;
        auto next = std::next(i);
        remove_endpoint(i, error{sec::dead_receiver, fmt::format("'{}' exited", id)});
        i = next;
      } else {
        ++i;
      }
    }
  }

  /// Removes an endpoint; its queued messages get not_found, those in flight
  /// keep their pending confirmation.
  void remove_endpoint(std::unordered_map<std::string, endpoint_state>::iterator i, error reason) {
    auto ep = std::move(i->second);
    endpoints_.erase(i);
    names_stale_ = true;
    self_->demonitor(ep.handle);
    ep.queue.drain([&](detail::queued_envelope q) {
      finish(q.env, delivery_status::not_found, reason);
    });
    links_->remove(ep.kernel_id);
    if (links_->retiring())
      schedule_expiry(); // the tick frees channels once the kernels let go
  }

  // -- expiry -----------------------------------------------------------------------

  void schedule_expiry() {
    if (expiry_scheduled_)
      return;
    expiry_scheduled_ = true;
    self_->delayed_send(broker{self_->ctrl()}, expiry_period_, detail::expire_tick{});
  }

  void on_expire_tick() {
    expiry_scheduled_ = false;
    auto now = steady::now();
    bool waiting = false;
    for (auto& [id, ep] : endpoints_) {
      // A named reference: clang before 16 cannot capture a structured binding.
      const auto& endpoint_id = id;
      ep.queue.expire(now, [&](detail::queued_envelope q) {
        finish(q.env, delivery_status::timeout,
               error{
                 sec::request_timeout,
                 fmt::format("the delivery timeout ran out in the queue of '{}'", endpoint_id)});
      });
      waiting = waiting || !ep.queue.empty();
    }
    if (links_->collect(now))
      waiting = true;
    if (waiting)
      schedule_expiry();
  }

  // -- statistics -------------------------------------------------------------------

  broker_stats stats() const {
    broker_stats out;
    out.registered_endpoints = endpoints_.size();
    out.routes = routes_.size();
    out.accepted = accepted_;
    out.kernel_routed = kernel_routed_;
    out.refused_sends = refused_sends_;
    out.delivered = delivered_;
    out.forwarded = forwarded_;
    out.dropped = dropped_;
    out.retained_receipts = receipts_.size();
    for (auto& [id, ep] : endpoints_) {
      out.queued += ep.queue.size();
      out.in_flight += ep.in_flight;
      out.endpoints.push_back(endpoint_stats{id, ep.queue.size(), ep.in_flight, ep.max_in_flight,
                                             ep.delivered, ep.forwarded});
    }
    std::sort(out.endpoints.begin(), out.endpoints.end(),
              [](const auto& x, const auto& y) { return x.kernel_id < y.kernel_id; });
    links_->stats(out);
    return out;
  }

  broker_pointer self_;
  broker_config cfg_;
  std::shared_ptr<hybrid_clock> clock_;
  std::unordered_map<std::string, endpoint_state> endpoints_;
  detail::broker_metrics metrics_;
  std::unordered_map<std::string, std::string> routes_; // destination -> next hop
  /// K2K address -> endpoint or route destination, rebuilt when stale.
  std::unordered_map<std::uint64_t, std::string> names_;
  bool names_stale_ = true;
  std::unordered_map<std::uint64_t, in_flight_entry> in_flight_;
  detail::receipt_store receipts_{0};
  std::unique_ptr<detail::device_links> links_;
  std::chrono::nanoseconds expiry_period_{};
  std::uint64_t last_delivery_ = 0;
  std::uint64_t last_generation_ = 0;
  bool expiry_scheduled_ = false;
  // Counters for broker_stats.
  std::uint64_t accepted_ = 0;
  std::uint64_t kernel_routed_ = 0;
  std::uint64_t refused_sends_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t forwarded_ = 0;
  drop_counts dropped_;
};

} // namespace

broker spawn_broker(actor_system& sys, broker_config cfg) {
  if (cfg.max_in_flight == 0)
    throw std::invalid_argument("k2k broker: max_in_flight must be at least 1");
  if (cfg.delivery_timeout <= std::chrono::nanoseconds::zero())
    throw std::invalid_argument("k2k broker: delivery_timeout must be positive");
  if (!valid_channel_capacity(cfg.device_channel_capacity))
    throw std::invalid_argument(
      fmt::format("k2k broker: device_channel_capacity must be a power of two in [2, {}], not {}",
                  max_device_channel_capacity, cfg.device_channel_capacity));
  return sys.spawn(
    [](broker_pointer self, broker_config cfg) -> broker::behavior_type {
      self->set_name(cfg.name);
      self->state.init(std::move(cfg));
      return self->state.make_behavior();
    },
    std::move(cfg));
}

} // namespace ringactor::k2k
