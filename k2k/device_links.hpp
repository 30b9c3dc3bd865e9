// ringactor k2k (internal): the device channels and route tables a broker
// maintains for its kernel endpoints (see "Device channels" in broker.hpp
// and the protocol in ringactor/gpu/k2k_port.hpp). Changed by the broker's
// actor only; send_levels() may run on any thread (a metrics scrape).
#pragma once

#include <bitset>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ringactor/actor.hpp"
#include "ringactor/gpu/k2k_port.hpp"
#include "ringactor/gpu/kernel_ports.hpp"
#include "ringactor/k2k/broker.hpp"

namespace ringactor::k2k::detail {

/// What a scrape reads of a broker's device links (device_links::send_levels).
struct device_send_levels {
  device_send_totals sends;
  /// Messages pushed into device channels and not yet taken, over the
  /// channels whose memory the broker holds (live and retiring ones).
  std::uint64_t channel_depth = 0;
};

/// The ctx.send counters of a kernel's port (k2k_port), as read at one time.
struct port_send_counts {
  std::uint64_t host = 0;
  std::uint64_t broker = 0;
  std::uint64_t not_found = 0;
  std::uint64_t not_accepted = 0;
  std::uint64_t too_large = 0;
  std::uint64_t host_queue_full = 0;
};

/// Adds a port's counts to `out`'s fields of the same names.
void add_to(device_send_totals& out, const port_send_counts& c) noexcept;

class device_links {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// How long retired channels wait for their kernels' acknowledgement
  /// before their memory is given up (leaked, never freed under a kernel).
  static constexpr std::chrono::seconds ack_limit{10};
  /// How long a retired channel whose sender let go waits for its receiver
  /// to take what is left in it before the rest counts as lost.
  static constexpr std::chrono::seconds drain_limit{10};

  /// `broker`: the actor id of the broker that owns this (the receiver of
  /// its kernels' routed sends).
  device_links(actor_id broker, std::uint32_t node, std::uint32_t default_capacity) noexcept
    : broker_(broker), node_(node), default_capacity_(default_capacity) {}
  device_links(const device_links&) = delete;
  device_links& operator=(const device_links&) = delete;
  /// Retires everything and waits (bounded) for the kernels to let go.
  ~device_links();

  /// A new endpoint. A persistent kernel actor whose port this broker can
  /// claim becomes a device endpoint (channels to and from the device
  /// endpoints on its device, host routes to everyone else); any other
  /// endpoint becomes a host route in every device endpoint's table.
  /// `capacity`: slots of the channels into it (0: the default).
  void add(const std::string& name, const actor& handle, std::uint32_t capacity);

  /// Retires everything that leads to or from `name`. A channel goes in
  /// three steps (see retired_link): its sender lets go of the route, its
  /// receiver takes what is left in it, then lets go of the channel; so the
  /// messages a kernel sent before the teardown are delivered, unless the
  /// receiver's loop ended (or took longer than drain_limit): those are
  /// counted as lost.
  void remove(const std::string& name);

  /// A destination the broker reaches through a route (add_route): every
  /// device endpoint gets a broker route to it (its sends go to the broker,
  /// which routes them), unless an endpoint of that name is registered
  /// here, which takes precedence as it does for the broker.
  void add_routed(const std::string& destination);

  /// The route to `destination` is gone: so are the kernels' broker routes.
  void remove_routed(const std::string& destination);

  /// Moves retired channels along their steps and frees those both kernels
  /// let go of. Returns whether some still wait.
  bool collect(time_point now);

  bool retiring() const noexcept { return !retired_.empty(); }

  /// Broker thread only (it reads without the lock: nothing else changes
  /// the links).
  void stats(broker_stats& out) const;

  /// The sends of every kernel endpoint this broker has had, and the depth
  /// of its channels, read now. Thread-safe: any thread may call it while
  /// the broker changes links (it takes mutex_).
  device_send_levels send_levels() const;

private:
  struct device_endpoint {
    device_endpoint(std::string n, actor_id i, kernel_port_info p, std::uint32_t cap, const void* o)
      : name(std::move(n)),
        id(i),
        address(k2k_address(name)),
        port(std::move(p)),
        capacity(cap),
        owner(o) {}
    device_endpoint(const device_endpoint&) = delete;
    device_endpoint& operator=(const device_endpoint&) = delete;
    /// Gives the port back once nothing of ours refers to it any more.
    ~device_endpoint() { release_kernel_port(id, owner); }

    k2k_port_ref ref() const noexcept { return k2k_port_ref{port.channel->k2k_port_host()}; }

    std::string name;
    actor_id id;
    std::uint64_t address;
    kernel_port_info port;
    std::uint32_t capacity;
    const void* owner;
    /// The port's counters when it was registered (they count from the
    /// kernel's start, under earlier brokers and registrations too).
    port_send_counts base;
    /// Entries in use: live, or retired and not yet acknowledged.
    std::bitset<k2k_max_routes> routes_used;
    std::bitset<k2k_max_inbound> inbound_used;
  };
  using endpoint_ptr = std::shared_ptr<device_endpoint>;

  struct host_endpoint {
    std::string name;
    actor_id id;
    std::uint64_t address;
  };

  /// A route in a device endpoint's table: a device channel to `to`, or
  /// (to null) a host route to the host endpoint `to_name`.
  struct link {
    endpoint_ptr from;
    endpoint_ptr to;
    std::string to_name;
    int route = -1;
    int inbound = -1;
    /// A broker route (to null): sends to `to_name` go to the broker.
    bool routed = false;
    shared_region memory; ///< the device channel (never dereferenced here)
    std::uint32_t capacity = 0;
  };

  /// Where a retired link stands.
  enum class retire_step {
    sender,   ///< the route is retired; waiting for the sender's acknowledgement
    draining, ///< the sender let go; the receiver still takes what is left
    receiver, ///< the inbound entry is retired; waiting for the receiver's acknowledgement
  };

  /// A retired link: what the kernels must do before it goes.
  struct retired_link {
    link what;
    retire_step step = retire_step::sender;
    std::uint64_t from_version = 0;
    std::uint64_t to_version = 0;
    /// The end of the current step's wait.
    time_point deadline;
    /// A kernel never acknowledged: the memory is leaked, not freed.
    bool abandoned = false;
  };

  /// collect() with mutex_ held.
  bool collect_locked(time_point now);
  /// A channel's counters, or none when they cannot be read (a CUDA error,
  /// logged: the statistics then leave the channel out).
  static std::optional<k2k_channel_counters> channel_counts(const shared_region& channel);
  /// The ctx.send counters of a kernel's port now.
  static port_send_counts port_counts(const k2k_port_ref& port) noexcept;
  /// `ep`'s sends since its registration here.
  static port_send_counts sends_of(const device_endpoint& ep);
  /// Adds live endpoints' and channels' counts to `out` (the retained totals
  /// are not in it).
  void add_live(device_send_levels& out) const;
  void connect(const endpoint_ptr& from, const endpoint_ptr& to);
  void host_route(const endpoint_ptr& from, const host_endpoint& to);
  void broker_route(const endpoint_ptr& from, const std::string& destination);
  /// Publishes a route entry of `from` (host or broker kind) and records it.
  void publish_host_kind(const endpoint_ptr& from, const k2k_route& r, const std::string& to_name,
                         bool routed);
  /// Retires the live links `pred` selects.
  template <class Pred>
  void retire_where(Pred pred, time_point now);
  bool is_endpoint(const std::string& name) const;
  bool is_routed(const std::string& name) const;
  /// `drain`: let the receiver take what is left before it lets go (else
  /// both kernels let go at once: the broker exits).
  void retire(link x, time_point now, bool drain);
  /// Moves `r` on; true once it is done (its memory may go).
  bool advance(retired_link& r, time_point now);
  void retire_inbound(retired_link& r, time_point now);
  bool acknowledged(const endpoint_ptr& ep, std::uint64_t version) const;
  void finish(retired_link& x);
  /// Gives up on `r` (a kernel never let go): leaks its memory and endpoints.
  void abandon(retired_link& r);
  /// The endpoint object of kernel `id` still held by retired links, or null
  /// (a kernel registered again while its old channels retire keeps one
  /// object, so that its entries in use are known once).
  endpoint_ptr retiring_endpoint(actor_id id) const;

  // Held by the broker's thread while it changes routed_, devices_, hosts_,
  // links_, retired_ or the retained totals (every public member but
  // stats), and by send_levels() while it reads them: a scrape sees each
  // teardown either before or after, never half done, so that the totals it
  // sums never step back.
  mutable std::mutex mutex_;
  actor_id broker_;
  std::uint32_t node_;
  std::uint32_t default_capacity_;
  /// Destinations with a route at the broker (add_routed).
  std::vector<std::string> routed_;
  std::vector<endpoint_ptr> devices_;
  std::vector<host_endpoint> hosts_;
  std::vector<link> links_;
  std::vector<retired_link> retired_;
  // Totals over endpoints unregistered (their ports' counts when they were
  // removed) and channels already torn down (their final counts): the part
  // of the send totals no live object holds any more.
  device_send_totals retained_;
  std::uint64_t lost_at_teardown_ = 0;
};

} // namespace ringactor::k2k::detail
