// ringactor k2k: how a broker delivers: a destination's endpoint or the next
// hop of its route (routing_table), the endpoint's bounded queue and
// in-flight limit, the hand-over as a request, its confirmation, and each
// message's outcome: counted, its receipt retained and sent. Queued
// messages past their deadline expire on a periodic tick.

#include "broker_state.hpp"

#include <fmt/format.h>

#include "ringactor/trace_scope.hpp"

namespace ringactor::k2k::detail {

namespace {

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

} // namespace

void broker_state::route(envelope env) {
  if (steady::now() >= env.deadline) {
    finish(env, delivery_status::timeout,
           error{sec::request_timeout, "the delivery timeout ran out before routing"});
    return;
  }
  if (auto ep = find_endpoint(env.destination)) {
    enqueue(*ep, std::move(env), false);
    return;
  }
  auto next_hop = routes_.next_hop(env.destination);
  if (next_hop == nullptr) {
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
  if (auto next = find_endpoint(*next_hop)) {
    enqueue(*next, std::move(env), true);
    return;
  }
  finish(env, delivery_status::not_found,
         error{errc::unknown_endpoint,
               fmt::format("the next hop '{}' of the route to '{}' is not registered", *next_hop,
                           env.destination)});
}

void broker_state::enqueue(endpoint_state& ep, envelope env, bool forward) {
  if (ep.queue.empty() && ep.in_flight < ep.max_in_flight) {
    dispatch(ep, queued_envelope{std::move(env), forward, 0});
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
void broker_state::pump(endpoint_state& ep) {
  while (ep.in_flight < ep.max_in_flight && !ep.queue.empty())
    dispatch(ep, ep.queue.pop());
}

void broker_state::dispatch(endpoint_state& ep, queued_envelope q) {
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

void broker_state::on_confirmed(std::uint64_t seq, const error* err) {
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

void broker_state::finish(envelope& env, delivery_status status, error reason) {
  finish(env.id, env.destination, env.hops, env.reply_to, status, std::move(reason), env.trace);
}

/// Decides a message's fate: counts it, retains the receipt, answers the sender.
void broker_state::finish(const envelope_id& id, const std::string& destination, std::uint32_t hops,
                          typed_response_promise<receipt>& reply_to, delivery_status status,
                          error reason, const trace_context& trace) {
  count(status);
  metrics_.receipt(status, hops);
  receipt r{id, status, destination, {}, hops, clock_->tick(), std::move(reason), trace};
  receipts_.put(r);
  reply_to.deliver(std::move(r));
}

/// Answers without counting or retaining (the broker is going away).
void broker_state::answer_only(const envelope_id& id, const std::string& destination,
                               std::uint32_t hops, typed_response_promise<receipt>& reply_to,
                               delivery_status status, error reason, const trace_context& trace) {
  reply_to.deliver(receipt{
    id, status, destination, {}, hops, clock_->tick(), std::move(reason), trace});
}

void broker_state::count(delivery_status status) {
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

void broker_state::schedule_expiry() {
  if (expiry_scheduled_)
    return;
  expiry_scheduled_ = true;
  self_->delayed_send(broker{self_->ctrl()}, expiry_period_, detail::expire_tick{});
}

void broker_state::on_expire_tick() {
  expiry_scheduled_ = false;
  auto now = steady::now();
  bool waiting = false;
  for (auto& [id, ep] : endpoints_) {
    // A named reference: clang before 16 cannot capture a structured binding.
    const auto& endpoint_id = id;
    ep.queue.expire(now, [&](queued_envelope q) {
      finish(q.env, delivery_status::timeout,
             error{sec::request_timeout,
                   fmt::format("the delivery timeout ran out in the queue of '{}'", endpoint_id)});
    });
    waiting = waiting || !ep.queue.empty();
  }
  if (links_->collect(now))
    waiting = true;
  if (waiting)
    schedule_expiry();
}

} // namespace ringactor::k2k::detail
