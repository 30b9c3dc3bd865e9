// What a broker's device links counted (device_links.hpp): the statistics
// of get_stats and the levels a metrics scrape reads. The kernels count
// their sends in memory the broker set up; this reads those counters and
// adds what the broker retained of links already gone.
#include "device_links.hpp"

#include <algorithm>
#include <exception>
#include <tuple>

#include "ringactor/logger.hpp"

namespace ringactor::k2k::detail {

void add_to(device_send_totals& out, const port_send_counts& c) noexcept {
  out.host += c.host;
  out.broker += c.broker;
  out.not_found += c.not_found;
  out.not_accepted += c.not_accepted;
  out.too_large += c.too_large;
  out.host_queue_full += c.host_queue_full;
}

std::optional<k2k_channel_counters> device_links::channel_counts(const shared_region& channel) {
  try {
    return read_k2k_channel_counters(channel);
  } catch (const std::exception& e) {
    log_warn("k2k broker: cannot read a device channel's counters: {}", e.what());
    return std::nullopt;
  }
}

port_send_counts device_links::port_counts(const k2k_port_ref& port) noexcept {
  // Relaxed loads (k2k_port_ref): each counter has one writer, the kernel's
  // leader; a value read is one it stored.
  return port_send_counts{port.sent_to_host(), port.sent_to_broker(), port.not_found(),
                          port.not_accepted(), port.too_large(),      port.host_queue_full()};
}

port_send_counts device_links::sends_of(const device_endpoint& ep) {
  auto now = port_counts(ep.ref());
  // Each counter only grows (one writer), and `base` was read before.
  return port_send_counts{
    now.host - ep.base.host,           now.broker - ep.base.broker,
    now.not_found - ep.base.not_found, now.not_accepted - ep.base.not_accepted,
    now.too_large - ep.base.too_large, now.host_queue_full - ep.base.host_queue_full};
}

void device_links::add_live(device_send_levels& out) const {
  for (auto& ep : devices_)
    add_to(out.sends, sends_of(*ep));
  auto add_channel = [&](const link& x) {
    if (!x.to)
      return;
    if (auto c = channel_counts(x.memory)) {
      out.sends.channel += c->produced;
      out.sends.queue_full += c->queue_full;
      out.channel_depth += c->produced - c->consumed;
    }
  };
  for (auto& x : links_)
    add_channel(x);
  for (auto& r : retired_)
    add_channel(r.what);
}

device_send_levels device_links::send_levels() const {
  std::lock_guard guard{mutex_};
  device_send_levels out;
  out.sends = retained_;
  add_live(out);
  return out;
}

void device_links::stats(broker_stats& out) const {
  device_send_levels levels;
  levels.sends = retained_;
  add_live(levels);
  out.device_sends = levels.sends;
  out.device_queue_full = levels.sends.queue_full;
  out.device_lost_at_teardown = lost_at_teardown_;
  out.device_channels_retiring = retired_.size();
  for (auto& x : links_) {
    if (!x.to)
      continue;
    device_channel_stats s;
    s.source = x.from->name;
    s.destination = x.to_name;
    if (auto c = channel_counts(x.memory)) {
      s.sent = c->produced;
      s.received = c->consumed;
      s.queue_full = c->queue_full;
    }
    s.capacity = x.capacity;
    out.device_channels.push_back(std::move(s));
  }
  std::sort(out.device_channels.begin(), out.device_channels.end(), [](auto& x, auto& y) {
    return std::tie(x.source, x.destination) < std::tie(y.source, y.destination);
  });
  for (auto& ep : devices_) {
    auto c = sends_of(*ep);
    out.kernel_sends.push_back(kernel_send_stats{ep->name, c.not_found, c.not_accepted, c.too_large,
                                                 c.host, c.broker, c.host_queue_full});
  }
  std::sort(out.kernel_sends.begin(), out.kernel_sends.end(),
            [](auto& x, auto& y) { return x.kernel_id < y.kernel_id; });
}

} // namespace ringactor::k2k::detail
