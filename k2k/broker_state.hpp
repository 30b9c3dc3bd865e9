// ringactor k2k (internal): the state of a broker actor (broker.hpp), whose
// work is split by concept: taking messages in (broker_intake.cpp),
// delivering them and deciding their outcomes (broker_delivery.cpp), its
// endpoints and routes (broker_endpoints.cpp), and its life and statistics
// (broker.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "broker_metrics.hpp"
#include "device_links.hpp"
#include "endpoint_state.hpp"
#include "receipt_store.hpp"
#include "ringactor/actor_system.hpp"
#include "ringactor/k2k/broker.hpp"
#include "ringactor/stateful_actor.hpp"
#include "routing_table.hpp"

namespace ringactor::k2k::detail {

using steady = std::chrono::steady_clock;

/// A device channel capacity the broker accepts: a ring geometry (a power of
/// two >= 2) within max_device_channel_capacity.
bool valid_channel_capacity(std::uint32_t capacity) noexcept;

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

class broker_state;
using broker_pointer = broker::stateful_pointer<broker_state>;

class broker_state {
public:
  explicit broker_state(broker_pointer self) : self_(self) {}

  broker_state(const broker_state&) = delete;
  broker_state& operator=(const broker_state&) = delete;

  /// The broker exits: every message it still holds gets its receipt.
  ~broker_state();

  void init(broker_config cfg);

  broker::behavior_type make_behavior();

private:
  // -- taking messages in (broker_intake.cpp) -------------------------------------

  error refusal(const dynamic_message& message, const std::string& destination);
  result<receipt> on_send(send_msg& x);
  void on_kernel_routed(kernel_routed_message& x);
  result<void> on_envelope(envelope& env);

  // -- routing, queueing, outcomes, expiry (broker_delivery.cpp) ------------------

  endpoint_state* find_endpoint(const std::string& id) {
    auto i = endpoints_.find(id);
    return i != endpoints_.end() ? &i->second : nullptr;
  }

  void route(envelope env);
  void enqueue(endpoint_state& ep, envelope env, bool forward);
  void pump(endpoint_state& ep);
  void dispatch(endpoint_state& ep, queued_envelope q);
  void on_confirmed(std::uint64_t seq, const error* err);
  void finish(envelope& env, delivery_status status, error reason);
  void finish(const envelope_id& id, const std::string& destination, std::uint32_t hops,
              typed_response_promise<receipt>& reply_to, delivery_status status, error reason,
              const trace_context& trace);
  void answer_only(const envelope_id& id, const std::string& destination, std::uint32_t hops,
                   typed_response_promise<receipt>& reply_to, delivery_status status, error reason,
                   const trace_context& trace);
  void count(delivery_status status);
  void schedule_expiry();
  void on_expire_tick();

  // -- endpoints and routes (broker_endpoints.cpp) --------------------------------

  result<void> on_register(register_endpoint& x);
  result<void> on_unregister(unregister_endpoint& x);
  void on_down(down_msg& x);
  void remove_endpoint(endpoint_map::iterator i, error reason);
  result<void> on_add_route(add_route& x);
  result<void> on_remove_route(remove_route& x);

  // -- statistics (broker.cpp) ----------------------------------------------------

  broker_stats stats() const;

  broker_pointer self_;
  broker_config cfg_;
  std::shared_ptr<hybrid_clock> clock_;
  endpoint_map endpoints_;
  broker_metrics metrics_;
  routing_table routes_;
  std::unordered_map<std::uint64_t, in_flight_entry> in_flight_;
  receipt_store receipts_{0};
  std::unique_ptr<device_links> links_;
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

} // namespace ringactor::k2k::detail
