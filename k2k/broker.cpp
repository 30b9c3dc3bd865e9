#include "ringactor/k2k/broker.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "broker_state.hpp"
#include "ringactor/actor_system.hpp"

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

namespace detail {

bool valid_channel_capacity(std::uint32_t capacity) noexcept {
  return capacity <= max_device_channel_capacity
         && ring_view::valid_geometry(capacity, min_slot_size);
}

broker_state::~broker_state() {
  metrics_.stop_watching(); // no scrape reads links_ once it goes
  for (auto& [id, ep] : endpoints_)
    ep.queue.drain([&](queued_envelope q) {
      answer_only(q.env.id, q.env.destination, q.env.hops, q.env.reply_to,
                  delivery_status::not_found,
                  error{sec::dead_receiver, "the broker exited before delivery"}, q.env.trace);
    });
  for (auto& [seq, e] : in_flight_)
    answer_only(e.id, e.destination, e.hops, e.reply_to, delivery_status::timeout,
                error{sec::dead_receiver, "the broker exited before the endpoint confirmed"},
                e.trace);
}

void broker_state::init(broker_config cfg) {
  cfg_ = std::move(cfg);
  clock_ = cfg_.clock ? cfg_.clock : process_clock();
  receipts_ = receipt_store{cfg_.receipt_retention};
  metrics_ = broker_metrics{self_->system(), cfg_.name};
  // Queued messages past their deadline are found at this period; a
  // timeout receipt is late by at most this much.
  expiry_period_ = std::clamp<std::chrono::nanoseconds>(cfg_.delivery_timeout / 8,
                                                        std::chrono::milliseconds{1},
                                                        std::chrono::seconds{1});
  self_->set_down_handler([this](down_msg& x) { on_down(x); });
  links_ = std::make_unique<device_links>(self_->id(), clock_->node_id(),
                                          cfg_.device_channel_capacity);
  metrics_.watch(*links_);
}

broker::behavior_type broker_state::make_behavior() {
  return {
    [this](send_msg& x) -> result<receipt> { return on_send(x); },
    [this](envelope& x) -> result<void> { return on_envelope(x); },
    [this](kernel_routed_message& x) -> result<void> {
      on_kernel_routed(x);
      return {};
    },
    [this](register_endpoint& x) -> result<void> { return on_register(x); },
    [this](unregister_endpoint& x) -> result<void> { return on_unregister(x); },
    [this](add_route& x) -> result<void> { return on_add_route(x); },
    [this](remove_route& x) -> result<void> { return on_remove_route(x); },
    [this](lookup_receipt& x) -> result<receipt> {
      if (auto r = receipts_.find(x.id))
        return *r;
      return error{errc::unknown_receipt, to_string(x.id)};
    },
    [this](get_stats) -> result<broker_stats> { return stats(); },
    [this](expire_tick) -> result<void> {
      on_expire_tick();
      return {};
    },
  };
}

broker_stats broker_state::stats() const {
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

} // namespace detail

broker spawn_broker(actor_system& sys, broker_config cfg) {
  if (cfg.max_in_flight == 0)
    throw std::invalid_argument("k2k broker: max_in_flight must be at least 1");
  if (cfg.delivery_timeout <= std::chrono::nanoseconds::zero())
    throw std::invalid_argument("k2k broker: delivery_timeout must be positive");
  if (!detail::valid_channel_capacity(cfg.device_channel_capacity))
    throw std::invalid_argument(
      fmt::format("k2k broker: device_channel_capacity must be a power of two in [2, {}], not {}",
                  max_device_channel_capacity, cfg.device_channel_capacity));
  return sys.spawn(
    [](detail::broker_pointer self, broker_config cfg) -> broker::behavior_type {
      self->set_name(cfg.name);
      self->state.init(std::move(cfg));
      return self->state.make_behavior();
    },
    std::move(cfg));
}

} // namespace ringactor::k2k
