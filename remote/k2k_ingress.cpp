// The ingress of a published broker (ringactor/remote/k2k_link.hpp): takes
// envelopes from remote bridges, rebuilds them and hands them to its broker
// as a broker would, and tells the bridge what became of them: accepted,
// refused, and (policy final_outcome) the final receipt.
//
// The final receipt needs a response promise for the envelope's reply_to,
// and a promise answers a request: for each envelope the ingress sends
// itself a request (hold) and hands the broker the promise of that request;
// the broker's receipt then comes back as the hold's response. The broker's
// acknowledgement (accepted or refused) and the receipt are two responses
// in no fixed order (a broker that decides at once answers the promise
// before it acknowledges); the ingress tells the bridge "accepted" first
// and holds back a receipt that came earlier, so the bridge sees them in
// the order it expects.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include <ringactor/actor_system.hpp>
#include <ringactor/logger.hpp>
#include <ringactor/stateful_actor.hpp>

#include "k2k_wire.hpp"
#include "ringactor/remote/error.hpp"

namespace ringactor::remote::detail {

namespace {

using steady = std::chrono::steady_clock;

/// The ingress's request to itself whose promise becomes an envelope's reply_to.
struct k2k_ingress_hold {
  std::uint64_t key = 0;
};

/// One envelope between its arrival and the last word to its bridge.
struct transit {
  actor bridge;          ///< the bridge's handle (a proxy), the sender of the envelope
  std::uint64_t seq = 0; ///< the bridge's number for it
  k2k::envelope env;     ///< until the hold hands it to the broker
  // What a receipt of the ingress's own names, kept when env moves on.
  k2k::envelope_id id;
  std::string destination;
  std::uint32_t hops = 0;
  k2k::receipt_policy policy = k2k::receipt_policy::final_outcome;
  trace_context trace;
  bool acked = false; ///< the broker took it in, and the bridge was told
  /// A final receipt that came before the broker's acknowledgement.
  std::optional<k2k::receipt> early;
};

struct ingress_state {
  // Not an aggregate: stateful_actor would try to construct one from its
  // pointer (C++20 parenthesized aggregate init).
  ingress_state() = default;

  k2k::broker broker;
  std::unordered_map<std::uint64_t, transit> transits;
  std::uint64_t last_key = 0;
};

using ingress_actor = stateful_actor<ingress_state>;

/// The receipt of an envelope whose reply_to broke (the broker went away
/// without answering it).
k2k::receipt broken_receipt(const transit& t, const error& err) {
  k2k::receipt r;
  r.id = t.id;
  r.status = k2k::delivery_status::rejected;
  r.destination = t.destination;
  r.hops = t.hops;
  r.stamp = k2k::process_clock()->tick();
  r.reason = err;
  r.trace = t.trace;
  return r;
}

/// Rebuilds the envelope of `w`, or the error for its bridge.
expected<k2k::envelope> rebuild(k2k_wire_envelope& w) {
  if (w.policy > static_cast<std::uint8_t>(k2k::receipt_policy::first_hop))
    return error{wire_errc::invalid_value,
                 fmt::format("a K2K envelope with receipt policy {}, which this build does not "
                             "know",
                             w.policy)};
  auto entry = type_registry::global().find_stable(w.payload_type);
  if (!entry || !entry->binary.load)
    return error{errc::not_serializable,
                 fmt::format("no type with stable id {:#x} and a binary form is registered here",
                             w.payload_type)};
  auto bytes = std::as_bytes(std::span{w.payload});
  auto msg = entry->binary.load(bytes, wire_limits{});
  if (!msg)
    return msg.error();
  k2k::envelope env;
  env.id = from_wire(w.id);
  env.stamp = from_wire(w.stamp);
  env.destination = std::move(w.destination);
  env.priority = static_cast<k2k::priority>(w.priority);
  env.policy = static_cast<k2k::receipt_policy>(w.policy);
  env.hops = w.hops;
  // The time left when the bridge sent it: the deadline moves by the
  // transit time, as clocks of two machines cannot be compared.
  env.deadline = w.remaining_ns < 0 ? steady::time_point::max()
                                    : steady::now() + std::chrono::nanoseconds{w.remaining_ns};
  env.trace = from_wire(w.trace);
  env.message = std::move(*msg);
  return env;
}

timespan remaining_of(const k2k::envelope& env) {
  if (env.deadline == steady::time_point::max())
    return infinite;
  auto left = env.deadline - steady::now();
  return std::chrono::duration_cast<timespan>(std::max(left, steady::duration{1}));
}

/// Hands `t`'s envelope to the broker; the acknowledgement goes to the
/// bridge (and with it a receipt that came early).
void hand_over(ingress_actor* self, std::uint64_t key) {
  auto& st = self->state;
  auto i = st.transits.find(key);
  if (i == st.transits.end())
    return;
  auto timeout = remaining_of(i->second.env);
  auto done = [self, key](const error* err) {
    auto& st = self->state;
    auto j = st.transits.find(key);
    if (j == st.transits.end())
      return;
    auto& t = j->second;
    if (err != nullptr) {
      self->send(t.bridge, k2k_wire_refused{t.seq, *err});
      st.transits.erase(j);
      return;
    }
    self->send(t.bridge, k2k_wire_accepted{t.seq});
    if (t.early) {
      self->send(t.bridge, to_wire(t.seq, *t.early));
      st.transits.erase(j);
      return;
    }
    if (t.policy == k2k::receipt_policy::first_hop) {
      st.transits.erase(j); // the bridge's broker answered its sender
      return;
    }
    t.acked = true;
  };
  // Brokers hand each other envelopes this way (broker_delivery.cpp).
  k2k::dynamic_message::from(std::move(i->second.env))
    .request(self, actor{st.broker.ctrl()}, timeout, std::move(done));
}

/// The final receipt (or the error of a broken reply_to) of transit `key`.
void on_outcome(ingress_actor* self, std::uint64_t key, k2k::receipt r) {
  auto& st = self->state;
  auto i = st.transits.find(key);
  if (i == st.transits.end())
    return; // refused: the bridge was told
  auto& t = i->second;
  if (!t.acked) {
    t.early = std::move(r);
    return;
  }
  self->send(t.bridge, to_wire(t.seq, r));
  st.transits.erase(i);
}

behavior ingress_impl(ingress_actor* self, k2k::broker broker) {
  self->state.broker = broker;
  // The ingress serves its broker only: it goes when the broker goes.
  self->monitor(broker);
  self->set_down_handler([self](down_msg& x) { self->quit(x.reason); });
  return {
    [self](k2k_wire_envelope& w) {
      auto& st = self->state;
      auto& sender = self->current_sender();
      if (!sender) {
        log_warn("k2k ingress: an envelope for '{}' came without a sender (not from a bridge); "
                 "dropped",
                 w.destination);
        return;
      }
      actor bridge{sender};
      auto env = rebuild(w);
      if (!env) {
        self->send(bridge, k2k_wire_refused{w.seq, env.error()});
        return;
      }
      auto key = ++st.last_key;
      auto& t = st.transits.try_emplace(key).first->second;
      t.bridge = bridge;
      t.seq = w.seq;
      t.env = std::move(*env);
      t.id = t.env.id;
      t.destination = t.env.destination;
      t.hops = t.env.hops;
      t.policy = t.env.policy;
      t.trace = t.env.trace;
      if (t.policy == k2k::receipt_policy::first_hop) {
        hand_over(self, key); // the first broker answered the sender
        return;
      }
      // The receipt, however late: the receiving broker always decides
      // (or exits, breaking the promise).
      self->request(actor{self->ctrl()}, infinite, k2k_ingress_hold{key})
        .then([self, key](k2k::receipt r) { on_outcome(self, key, std::move(r)); },
              [self, key](const error& err) {
                auto& st = self->state;
                if (auto i = st.transits.find(key); i != st.transits.end())
                  on_outcome(self, key, broken_receipt(i->second, err));
              });
    },
    [self](k2k_ingress_hold& h) -> result<k2k::receipt> {
      auto& st = self->state;
      auto i = st.transits.find(h.key);
      if (i == st.transits.end())
        return error{sec::broken_promise, "the K2K transit ended before its hand-over"};
      auto rp = self->make_response_promise<k2k::receipt>();
      i->second.env.reply_to = rp;
      hand_over(self, h.key);
      return rp;
    },
  };
}

} // namespace

actor spawn_k2k_ingress(actor_system& sys, k2k::broker broker) {
  return sys.spawn(ingress_impl, std::move(broker));
}

} // namespace ringactor::remote::detail
