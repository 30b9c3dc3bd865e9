// ringactor: the kernel's end of its K2K port (k2k_port.hpp), owned by the
// grid's leader thread inside the loop (loop_state): acknowledging route
// table versions at quiescent points, taking messages from inbound device
// channels, and sending over outbound ones (ctx.send).
//
// The loop calls quiesce() between messages only, never while a handler
// runs; that is what makes its acknowledgement mean "no use of a retired
// entry is in progress" (see the protocol in k2k_port.hpp).
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>

#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/doorbell.hpp"
#include "ringactor/gpu/hlc_timestamp.hpp"
#include "ringactor/gpu/k2k_port.hpp"
#include "ringactor/gpu/ring.hpp"
#include "ringactor/gpu/slot.hpp"

namespace ringactor::detail {

class k2k_endpoint {
public:
  RINGACTOR_DEVICE explicit k2k_endpoint(k2k_port* port) noexcept : port_(port) {}

  /// At a quiescent point: if the host changed the port, rescans it and
  /// acknowledges the version.
  RINGACTOR_DEVICE void quiesce() noexcept {
    if (port_ == nullptr)
      return;
    // Pairs with the host's release store in k2k_port_ref::bump(): entries
    // retired and identity fields stored before it are visible below.
    auto v = dev::atomic_load(port_->version, mem_order::acquire);
    if (v == version_)
      return;
    version_ = v;
    rescan();
    // Pairs with the host's acquire load in k2k_port_ref::acknowledged():
    // every use of an entry retired up to `v` (all before this point, in
    // earlier messages) happens before the host frees it.
    dev::atomic_store(port_->seen_version, v, mem_order::release);
  }

  /// Whether the host changed the port since the last quiesce() (a wake-up
  /// check only: quiesce() reloads with acquire before acting).
  RINGACTOR_DEVICE bool changed() const noexcept {
    return port_ != nullptr && dev::atomic_load(port_->version, mem_order::relaxed) != version_;
  }

  /// Whether an inbound channel holds a message.
  RINGACTOR_DEVICE bool ready() const noexcept {
    for (std::uint32_t k = 0; k < inbound_count_; ++k)
      if (consumer_of(inbound_[k]).ready())
        return true;
    return false;
  }

  /// Copies the next inbound message (channels taken round robin) into
  /// `scratch` and frees its slot; false when every channel is empty.
  /// `max_payload` is what the scratch area holds.
  template <class Scratch>
  RINGACTOR_DEVICE bool take(Scratch scratch, std::size_t max_payload) noexcept {
    for (std::uint32_t k = 0; k < inbound_count_; ++k) {
      auto pos = (next_inbound_ + k) % inbound_count_;
      auto& in = port_->inbound[inbound_[pos]];
      auto c = consumer_of(inbound_[pos]);
      auto msg = c.peek();
      if (msg.header == nullptr)
        continue;
      auto& h = scratch.header();
      h = *msg.header;
      auto limit = c.ring().payload_capacity() < max_payload ? c.ring().payload_capacity()
                                                             : max_payload;
      if (h.payload_size > limit)
        h.payload_size = static_cast<std::uint32_t>(limit);
      dev::copy_bytes(scratch.payload(), msg.payload, h.payload_size);
      c.release();
      // Our own cursor; relaxed: slots are handed over by their sequences,
      // the host reads it for statistics only.
      dev::atomic_store(in.channel->consumed, c.cursor(), mem_order::relaxed);
      // HLC receive: later ticks are greater than the sender's stamp.
      auto w = h.stamp.word();
      if (w > clock_)
        clock_ = w;
      next_inbound_ = (pos + 1) % inbound_count_;
      return true;
    }
    return false;
  }

  /// Sends `size` bytes of the sender's output type `output_id` to
  /// `destination`. A host or broker route goes through `push_host(receiver,
  /// type_id, payload, size, routed_to, stamp)` (K2H), which returns ok,
  /// too_large (it does not fit a K2H slot) or queue_full (K2H stayed full
  /// until the host asked the kernel to terminate); `routed_to` is the
  /// destination for a broker route, else 0.
  template <class PushHost>
  RINGACTOR_DEVICE k2k_send_result send(std::uint64_t destination, std::uint32_t output_id,
                                        const void* payload, std::uint32_t size,
                                        std::uint64_t now_ns, PushHost&& push_host) noexcept {
    k2k_route* r = find(destination);
    // A route retired since the last rescan is still ours to read until we
    // acknowledge it, but no longer to use: a handler that sends in a loop
    // must see the retirement without waiting for its next quiescent point.
    // Relaxed: it only decides not to use the entry.
    if (r != nullptr
        && dev::atomic_load(r->state, mem_order::relaxed)
             != static_cast<std::uint32_t>(k2k_entry_state::live))
      r = nullptr;
    if (r == nullptr)
      return count(port_ == nullptr ? nullptr : &port_->not_found, k2k_send_result::not_found);
    if (r->kind == static_cast<std::uint32_t>(k2k_route_kind::host)) {
      auto pushed = push_host(r->host_receiver, output_id, payload, size, std::uint64_t{0},
                              hlc_timestamp{});
      return count_host_push(pushed, &port_->sent_to_host);
    }
    if (r->kind == static_cast<std::uint32_t>(k2k_route_kind::broker)) {
      // Stamped: the broker merges the stamp into its clock.
      auto pushed = push_host(r->host_receiver, output_id, payload, size, destination,
                              tick(now_ns));
      return count_host_push(pushed, &port_->sent_to_broker);
    }
    std::uint32_t input_id = output_id >= 1 && output_id <= k2k_max_outputs
                               ? r->type_map[output_id - 1]
                               : 0;
    if (input_id == 0)
      return count(&port_->not_accepted, k2k_send_result::not_accepted);
    if (size > slot_payload_capacity(r->slot_size))
      return count(&port_->too_large, k2k_send_result::too_large);
    slot_header h;
    h.type_id = input_id;
    h.kind = slot_kind::message;
    h.flags = slot_flags::k2k;
    h.payload_size = size;
    h.sender_id = self_;
    h.receiver_id = destination;
    h.stamp = tick(now_ns);
    // The producer's cursor is ours alone (relaxed, see the header).
    ring_producer p{ring_view{r->slots, r->capacity, r->slot_size},
                    dev::atomic_load(r->channel->produced, mem_order::relaxed)};
    if (!p.try_push(h, payload))
      return count(&r->channel->queue_full, k2k_send_result::queue_full);
    dev::atomic_store(r->channel->produced, p.cursor(), mem_order::relaxed);
#if !RINGACTOR_DEVICE_PASS
    // A CPU kernel may park on its H2K doorbell; a CUDA kernel never parks,
    // and a device-side ring would cost a round trip to mapped memory.
    ring_if_sleeping(*r->wake);
#endif
    return k2k_send_result::ok;
  }

private:
  RINGACTOR_DEVICE void rescan() noexcept {
    route_count_ = 0;
    for (std::uint32_t i = 0; i < k2k_max_routes; ++i) {
      // Pairs with the host's release store in k2k_port_ref::publish_route():
      // the entry's fields are complete once we see it live.
      if (dev::atomic_load(port_->routes[i].state, mem_order::acquire)
          == static_cast<std::uint32_t>(k2k_entry_state::live)) {
        routes_[route_count_] = static_cast<std::uint8_t>(i);
        destinations_[route_count_] = port_->routes[i].destination;
        ++route_count_;
      }
    }
    std::uint8_t live[k2k_max_inbound];
    std::uint32_t live_count = 0;
    for (std::uint32_t i = 0; i < k2k_max_inbound; ++i) {
      // Pairs with the host's release store in k2k_port_ref::publish_inbound().
      if (dev::atomic_load(port_->inbound[i].state, mem_order::acquire)
          == static_cast<std::uint32_t>(k2k_entry_state::live))
        live[live_count++] = static_cast<std::uint8_t>(i);
    }
    // Polled: every live entry but those with an older live entry from the
    // same source (see k2k_inbound::order). Retiring the older one bumps the
    // version, and the rescan it causes takes the newer one in.
    inbound_count_ = 0;
    for (std::uint32_t k = 0; k < live_count; ++k) {
      auto& in = port_->inbound[live[k]];
      bool newer = false;
      for (std::uint32_t j = 0; j < live_count && !newer; ++j) {
        auto& other = port_->inbound[live[j]];
        newer = j != k && other.source == in.source && other.order < in.order;
      }
      if (!newer)
        inbound_[inbound_count_++] = live[k];
    }
    next_inbound_ = 0;
    // Relaxed: published by the version we loaded with acquire.
    self_ = dev::atomic_load(port_->self_address, mem_order::relaxed);
    clock_offset_us_ = dev::atomic_load(port_->clock_offset_us, mem_order::relaxed);
    node_ = dev::atomic_load(port_->node, mem_order::relaxed);
  }

  RINGACTOR_DEVICE k2k_route* find(std::uint64_t destination) const noexcept {
    for (std::uint32_t k = 0; k < route_count_; ++k)
      if (destinations_[k] == destination)
        return &port_->routes[routes_[k]];
    return nullptr;
  }

  RINGACTOR_DEVICE ring_consumer consumer_of(std::uint8_t index) const noexcept {
    auto& in = port_->inbound[index];
    // Our own cursor (relaxed, see take()).
    return ring_consumer{ring_view{in.slots, in.capacity, in.slot_size},
                         dev::atomic_load(in.channel->consumed, mem_order::relaxed)};
  }

  /// Counts the outcome of a push to K2H (a host or broker route): a full
  /// K2H that the kernel gave up on because it terminates is no oversized
  /// message, and has its own counter.
  RINGACTOR_DEVICE k2k_send_result count_host_push(k2k_send_result pushed,
                                                   std::uint64_t* sent) noexcept {
    if (pushed == k2k_send_result::ok)
      return count(sent, k2k_send_result::ok);
    if (pushed == k2k_send_result::too_large)
      return count(&port_->too_large, k2k_send_result::too_large);
    return count(&port_->host_queue_full, k2k_send_result::queue_full);
  }

  /// Counts an outcome in a counter only the leader writes.
  RINGACTOR_DEVICE static k2k_send_result count(std::uint64_t* counter,
                                                k2k_send_result r) noexcept {
    if (counter != nullptr) {
      // Single writer: load-add-store; relaxed (statistics).
      dev::atomic_store(*counter, dev::atomic_load(*counter, mem_order::relaxed) + 1,
                        mem_order::relaxed);
    }
    return r;
  }

  /// HLC send event on the leader's clock (a single writer: no CAS).
  RINGACTOR_DEVICE hlc_timestamp tick(std::uint64_t now_ns) noexcept {
    auto physical = now_ns / 1000 + clock_offset_us_;
    if (physical > hlc_timestamp::max_physical)
      physical = hlc_timestamp::max_physical;
    auto w = physical << hlc_timestamp::logical_bits;
    clock_ = w > clock_ ? w : clock_ + 1;
    return hlc_timestamp::from_word(clock_, node_);
  }

  k2k_port* port_;
  std::uint64_t version_ = 0;
  std::uint64_t self_ = 0;
  std::uint64_t clock_offset_us_ = 0;
  std::uint64_t clock_ = 0; ///< the HLC word: physical << 12 | logical
  std::uint32_t node_ = 0;
  std::uint32_t route_count_ = 0;
  std::uint32_t inbound_count_ = 0;
  std::uint32_t next_inbound_ = 0;
  // Cached at each rescan (valid until the next version, see k2k_port.hpp).
  std::uint64_t destinations_[k2k_max_routes];
  std::uint8_t routes_[k2k_max_routes];
  std::uint8_t inbound_[k2k_max_inbound];
};

} // namespace ringactor::detail
