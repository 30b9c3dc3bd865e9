// The bridge of a K2K link (ringactor/remote/k2k_link.hpp): an endpoint of
// the linking broker that sends the envelopes it is handed to a remote
// broker's ingress and answers for them. It answers the broker's request
// when the remote broker took the envelope in (or with the refusal), and
// delivers the final receipt that comes back to the envelope's reply_to.
//
// Exactly one receipt per message: the broker's own request (until
// acceptance) and the reply_to promise (after it) are each answered once,
// and a promise answers only its first delivery, so a late word from the
// peer after the broker gave up (its request timed out) changes nothing.
// When the peer's node fails, the proxy of the ingress goes down: what was
// not accepted gets node_down as the broker's answer (the broker turns it
// into the sender's receipt), what was accepted a receipt `rejected` with
// node_down from here.
#include <chrono>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <ringactor/actor_system.hpp>
#include <ringactor/stateful_actor.hpp>

#include "k2k_wire.hpp"
#include "ringactor/remote/error.hpp"

namespace ringactor::remote::detail {

namespace {

using steady = std::chrono::steady_clock;

/// How long after its deadline the bridge keeps an envelope: the receiving
/// broker decides by the deadline, and its word needs time to travel.
constexpr auto deadline_grace = std::chrono::seconds{5};
/// How often it looks for envelopes past that.
constexpr auto sweep_period = std::chrono::seconds{1};

struct k2k_bridge_sweep {};

/// One envelope between its hand-over and the last word from the peer.
struct transit {
  typed_response_promise<void> ack; ///< the broker's request: answered at acceptance
  /// The sender's receipt (empty for first_hop: the broker answered it).
  typed_response_promise<k2k::receipt> reply_to;
  k2k::envelope_id id;
  std::string destination;
  std::uint32_t hops = 0;
  trace_context trace;
  steady::time_point deadline;
  bool accepted = false;
};

struct bridge_state {
  // Not an aggregate: stateful_actor would try to construct one from its
  // pointer (C++20 parenthesized aggregate init).
  bridge_state() = default;
  bridge_state(const bridge_state&) = delete;
  bridge_state& operator=(const bridge_state&) = delete;

  actor ingress;
  std::string peer; ///< "where/service", for messages
  k2k::broker owner;
  std::shared_ptr<k2k::hybrid_clock> clock;
  std::unordered_map<std::uint64_t, transit> transits;
  std::uint64_t last_seq = 0;
  bool sweep_scheduled = false;

  /// Ends every transit with `reason`: the unaccepted as the broker's
  /// answer, the accepted as a rejected receipt.
  void fail_all(const error& reason) {
    for (auto& [seq, t] : transits) {
      if (!t.accepted) {
        t.ack.deliver(reason);
        continue;
      }
      k2k::receipt r;
      r.id = t.id;
      r.status = k2k::delivery_status::rejected;
      r.destination = t.destination;
      r.hops = t.hops;
      r.stamp = clock->tick();
      r.reason = reason;
      r.trace = t.trace;
      t.reply_to.deliver(std::move(r));
    }
    transits.clear();
  }

  /// The bridge exits (its broker went, its peer failed, or it was told):
  /// nothing it holds goes unanswered.
  ~bridge_state() {
    fail_all(error{errc::node_stopped,
                   fmt::format("the K2K bridge to {} exited with the message in transit", peer)});
  }
};

using bridge_actor = stateful_actor<bridge_state>;

/// The wire form of `env`, or the error naming why it cannot travel.
expected<k2k_wire_envelope> encode(std::uint64_t seq, k2k::envelope& env) {
  auto entry = type_registry::global().find(env.message.type());
  if (!entry || !entry->named || !entry->binary.save)
    return error{errc::not_serializable,
                 fmt::format("type {} is not registered with a binary form (RINGACTOR_TYPE), so "
                             "it cannot cross to another node",
                             entry ? entry->name : std::string{"?"})};
  std::vector<std::byte> bytes;
  if (auto r = entry->binary.save(env.message.data(), bytes, wire_limits{}); !r)
    return r.error();
  // The peer decodes the payload as a list under the default limits.
  if (auto limit = wire_limits{}.max_container_length; bytes.size() > limit)
    return error{errc::not_serializable,
                 fmt::format("a {} of {} bytes is larger than a K2K link carries ({} bytes)",
                             entry->name, bytes.size(), limit)};
  k2k_wire_envelope w;
  w.seq = seq;
  w.id = to_wire(env.id);
  w.stamp = to_wire(env.stamp);
  w.destination = env.destination;
  w.priority = static_cast<std::uint8_t>(env.priority);
  w.policy = static_cast<std::uint8_t>(env.policy);
  w.hops = env.hops;
  if (env.deadline == steady::time_point::max()) {
    w.remaining_ns = k2k_no_deadline;
  } else {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(env.deadline - steady::now());
    w.remaining_ns = std::max<std::int64_t>(left.count(), 0);
  }
  w.trace = to_wire(env.trace);
  w.payload_type = entry->stable_id;
  auto* first = reinterpret_cast<const std::uint8_t*>(bytes.data());
  w.payload.assign(first, first + bytes.size());
  return w;
}

void schedule_sweep(bridge_actor* self) {
  if (self->state.sweep_scheduled)
    return;
  self->state.sweep_scheduled = true;
  self->delayed_send(actor{self->ctrl()}, sweep_period, k2k_bridge_sweep{});
}

behavior bridge_impl(bridge_actor* self, actor ingress, std::string peer, k2k::broker owner,
                     std::shared_ptr<k2k::hybrid_clock> clock) {
  auto& st = self->state;
  st.ingress = ingress;
  st.peer = std::move(peer);
  st.owner = owner;
  st.clock = std::move(clock);
  // The ingress's proxy goes down with its node; the broker's exit ends the link.
  self->monitor(ingress);
  self->monitor(owner);
  self->set_down_handler([self](down_msg& x) {
    auto& st = self->state;
    error reason;
    if (x.source == st.ingress.address()) {
      reason = error{errc::node_down,
                     fmt::format("the K2K link to {} went down ({})", st.peer,
                                 x.reason ? to_string(x.reason) : std::string{"it exited"})};
    } else {
      reason = error{errc::node_stopped,
                     fmt::format("the broker of the K2K link to {} exited", st.peer)};
    }
    st.fail_all(reason);
    self->quit(reason);
  });
  return {
    [self](k2k::envelope& env) -> result<void> {
      auto& st = self->state;
      auto seq = ++st.last_seq;
      auto w = encode(seq, env);
      if (!w)
        return w.error();
      auto ack = self->make_response_promise<void>();
      auto& t = st.transits.try_emplace(seq).first->second;
      t.ack = std::move(ack);
      t.reply_to = std::move(env.reply_to);
      t.id = env.id;
      t.destination = env.destination;
      t.hops = env.hops;
      t.trace = env.trace;
      t.deadline = env.deadline;
      // A send, not a request: the ingress answers the bridge (its sender)
      // with one-way messages, which keep their order.
      self->send(st.ingress, std::move(*w));
      if (t.deadline != steady::time_point::max())
        schedule_sweep(self);
      return ack;
    },
    [self](k2k_wire_accepted& x) {
      auto& st = self->state;
      auto i = st.transits.find(x.seq);
      if (i == st.transits.end() || i->second.accepted)
        return;
      i->second.ack.deliver();
      i->second.accepted = true;
      if (!i->second.reply_to.pending())
        st.transits.erase(i); // first_hop: the broker answered the sender
    },
    [self](k2k_wire_refused& x) {
      auto& st = self->state;
      auto i = st.transits.find(x.seq);
      if (i == st.transits.end())
        return;
      i->second.ack.deliver(std::move(x.reason));
      st.transits.erase(i);
    },
    [self](k2k_wire_receipt& x) {
      auto& st = self->state;
      auto i = st.transits.find(x.seq);
      if (i == st.transits.end())
        return;
      auto& t = i->second;
      if (!t.accepted)
        t.ack.deliver(); // the ingress says accepted first; be safe anyway
      auto r = from_wire(x);
      if (!r) {
        // Not readable here: the outcome is the peer's, the reason ours.
        k2k::receipt bad;
        bad.id = t.id;
        bad.status = k2k::delivery_status::rejected;
        bad.destination = t.destination;
        bad.hops = t.hops;
        bad.stamp = st.clock->tick();
        bad.reason = r.error();
        bad.trace = t.trace;
        t.reply_to.deliver(std::move(bad));
      } else {
        // The receive rule: later stamps of this clock follow the receipt's.
        // A stamp beyond the skew bound is not merged; the receipt stands.
        (void) st.clock->update(r->stamp);
        t.reply_to.deliver(std::move(*r));
      }
      st.transits.erase(i);
    },
    [self](k2k_bridge_sweep) {
      auto& st = self->state;
      st.sweep_scheduled = false;
      auto now = steady::now();
      bool waiting = false;
      for (auto i = st.transits.begin(); i != st.transits.end();) {
        auto& t = i->second;
        if (t.deadline == steady::time_point::max() || now < t.deadline + deadline_grace) {
          waiting = waiting || t.deadline != steady::time_point::max();
          ++i;
          continue;
        }
        // The broker's request timed out at the deadline (this answer is
        // not seen); an accepted envelope's receipt never came back.
        error reason{
          sec::request_timeout,
          fmt::format("no word from {} on the message within its delivery timeout", st.peer)};
        if (!t.accepted) {
          t.ack.deliver(reason);
        } else {
          k2k::receipt r;
          r.id = t.id;
          r.status = k2k::delivery_status::timeout;
          r.destination = t.destination;
          r.hops = t.hops;
          r.stamp = st.clock->tick();
          r.reason = std::move(reason);
          r.trace = t.trace;
          t.reply_to.deliver(std::move(r));
        }
        i = st.transits.erase(i);
      }
      if (waiting)
        schedule_sweep(self);
    },
  };
}

} // namespace

actor spawn_k2k_bridge(actor_system& sys, actor ingress, std::string peer, k2k::broker owner,
                       std::shared_ptr<k2k::hybrid_clock> clock) {
  return sys.spawn(bridge_impl, std::move(ingress), std::move(peer), std::move(owner),
                   std::move(clock));
}

} // namespace ringactor::remote::detail
