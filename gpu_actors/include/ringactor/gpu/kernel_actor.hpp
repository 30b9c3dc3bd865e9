// ringactor: a persistent kernel as an actor. spawn_kernel returns the same
// typed handle a host actor of the interface has; requests, monitors, links
// and exit reasons work the same.
//
//   using adder_if = typed_actor<result<std::int32_t>(kernels::add)>;
//   actor_system sys;
//   adder_if k = spawn_kernel<adder_if>(sys, kernels::adder{});
//   scoped_actor self{sys};
//   auto sum = self->request(k, 1s, kernels::add{1, 2}).get();   // 3
//
// Behind the handle a proxy actor marshals each message into an H2K slot
// (type id, request id, sender) and keeps the request's response promise;
// the device's completion poller answers it when the kernel's reply comes
// through K2H (see detail/kernel_session.hpp and docs/kernels.md).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <ringactor/actor_system.hpp>
#include <ringactor/type_id.hpp>
#include <ringactor/typed_actor.hpp>
#include <ringactor/typed_behavior.hpp>

#include "ringactor/gpu/channel.hpp"
#include "ringactor/gpu/cpu_backend.hpp"
#include "ringactor/gpu/cuda_backend.hpp"
#include "ringactor/gpu/detail/kernel_backends.hpp"
#include "ringactor/gpu/detail/kernel_session.hpp"
#include "ringactor/gpu/detail/reply_check_context.hpp"
#include "ringactor/gpu/errors.hpp"
#include "ringactor/gpu/kernel_config.hpp"
#include "ringactor/gpu/kernel_context.hpp"
#include "ringactor/gpu/kernel_ports.hpp"
#include "ringactor/gpu/kernel_stats.hpp"
#include "ringactor/gpu/message_list.hpp"
#include "ringactor/gpu/slot.hpp"
#include "ringactor/gpu/snapshot_store.hpp"

namespace ringactor {

namespace detail {

// -- compile-time checks (named after what they check, so that the compiler's
//    "required from" line names the offending type) -----------------------------

template <class Message, bool Accepted>
struct kernel_accepts_interface_message {
  static_assert(Accepted,
                "ringactor: the interface declares the message type named first in "
                "'kernel_accepts_interface_message<Type, false>' above, which the kernel's "
                "`using inputs = ringactor::message_list<...>` lacks");
  static constexpr bool value = Accepted;
};

template <class Message, bool Ok>
struct interface_message_fits_kernel_slot {
  static_assert(Ok, "ringactor: the message type named first in "
                    "'interface_message_fits_kernel_slot<Type, false>' above cannot travel to a "
                    "kernel: it must be trivially copyable and fit a ring slot's payload "
                    "(slot size - 64 bytes; a kernel may declare a larger "
                    "`static constexpr std::size_t slot_size`)");
  static constexpr bool value = Ok;
};

template <class Response, bool Ok>
struct interface_response_fits_kernel_slot {
  static_assert(Ok, "ringactor: the response type named first in "
                    "'interface_response_fits_kernel_slot<Type, false>' above cannot come back "
                    "from a kernel: it must be void or trivially copyable and fit a ring slot's "
                    "payload");
  static constexpr bool value = Ok;
};

template <class Message, class Returned, class Response, bool Ok>
struct kernel_handler_returns_interface_response {
  static_assert(Ok, "ringactor: the kernel's handler for the message type named first in "
                    "'kernel_handler_returns_interface_response<Message, Returned, Response, "
                    "false>' above returns another type than the interface's response (the "
                    "reply travels as bytes: the types must be the same, or the handler returns "
                    "void and calls ctx.reply)");
  static constexpr bool value = Ok;
};

template <class T, std::size_t SlotSize>
inline constexpr bool fits_slot_v = std::is_trivially_copyable_v<T>
                                    && sizeof(T) <= slot_payload_capacity(SlotSize)
                                    && alignof(T) <= slot_payload_offset;

template <class Kernel, class Sig>
constexpr bool check_kernel_signature() {
  using M = typename signature_trait<Sig>::message_type;
  using R = typename signature_trait<Sig>::response_type;
  constexpr auto slot = kernel_slot_size_v<Kernel>;
  constexpr bool accepted = message_type_id_v<M, typename Kernel::inputs> != 0;
  static_assert(kernel_accepts_interface_message<M, accepted>::value);
  static_assert(interface_message_fits_kernel_slot<M, fits_slot_v<M, slot>>::value);
  if constexpr (!std::is_void_v<R>)
    static_assert(interface_response_fits_kernel_slot<R, fits_slot_v<R, slot>>::value);
  using ctx = kernel_context<Kernel, cpu_sequential_grid>;
  if constexpr (accepted && requires(Kernel& k, ctx& c, const M& m) { k.handle(c, m); }) {
    using returned = decltype(std::declval<Kernel&>().handle(std::declval<ctx&>(),
                                                             std::declval<const M&>()));
    constexpr bool ok = std::is_void_v<returned>
                        || std::is_same_v<std::remove_cvref_t<returned>, R>;
    static_assert(kernel_handler_returns_interface_response<M, returned, R, ok>::value);
  }
  // Explicit replies (ctx.reply(x) in the handler's body): the address
  // instantiates the handler with a context that checks them against R (see
  // reply_check_context.hpp). A handler that only accepts kernel_context
  // itself cannot be checked this way; the host's size check remains.
  using check_ctx = reply_check_context<Kernel, M, R>;
  if constexpr (accepted && requires(Kernel& k, check_ctx& c, const M& m) { k.handle(c, m); }) {
    [[maybe_unused]] constexpr auto check = &instantiate_handler_for_reply_check<Kernel, M, R>;
  }
  return true;
}

template <class Kernel, class... Sigs>
constexpr bool check_kernel_interface(type_list<Sigs...>) {
  static_assert(has_inputs<Kernel>, "ringactor: a kernel declares the messages it accepts: "
                                    "`using inputs = ringactor::message_list<...>;`");
  if constexpr (has_inputs<Kernel>)
    return (check_kernel_signature<Kernel, Sigs>() && ...);
  else
    return false;
}

// -- marshalling ------------------------------------------------------------------------

/// Answers a promise from a K2H reply (a value of R, or unit) or error slot.
///
/// A reply slot's type id is the replied type's position in the kernel's
/// `outputs` (kernel_context::reply), 0 for a type not listed there. So a
/// non-zero id other than R's names another type for certain: refused, where
/// the size check alone would read its bytes as an R when the sizes agree.
/// (spawn_kernel checks explicit replies at compile time; this catches a
/// handler that check cannot instantiate, one written for kernel_context
/// itself.) An id of 0 says nothing, and leaves the size check.
template <class Kernel, class R>
void decode_reply(response_promise& rp, const slot_header& h, const std::byte* payload) {
  if (h.kind == slot_kind::error) {
    rp.deliver_error(to_error(static_cast<kernel_error>(h.error_code)));
  } else if constexpr (std::is_void_v<R>) {
    rp.deliver();
  } else if (h.type_id != 0 && h.type_id != output_type_id<Kernel, R>()) {
    rp.deliver_error(error{sec::unexpected_response,
                           fmt::format("the kernel replied with output type {} (its position in "
                                       "the kernel's outputs), not the interface's response type",
                                       h.type_id)});
  } else if (h.payload_size != sizeof(R)) {
    rp.deliver_error(error{sec::unexpected_response, "the kernel's reply has the wrong size"});
  } else {
    // R is trivially copyable (checked at spawn_kernel): copying its bytes
    // into suitably aligned storage creates the object.
    alignas(R) std::byte storage[sizeof(R)];
    std::memcpy(storage, payload, sizeof(R));
    rp.deliver(*std::launder(reinterpret_cast<R*>(storage)));
  }
}

/// What became of a message a kernel sent to a host actor.
enum class host_delivery { delivered, receiver_gone, unknown_type };

template <class T, class... Ts>
host_delivery send_host_as(std::uint32_t id, abstract_actor* dest, const strong_actor_ptr& from,
                           const slot_header& h, const std::byte* payload) {
  if (h.type_id == id) {
    if (h.payload_size != sizeof(T))
      return host_delivery::unknown_type;
    alignas(T) std::byte storage[sizeof(T)];
    std::memcpy(storage, payload, sizeof(T));
    auto& value = *std::launder(reinterpret_cast<T*>(storage));
    auto msg = (h.flags & slot_flags::k2k_routed) != 0
                 // For the broker to route (see k2k_route_kind::broker).
                 ? make_mailbox_element(from, message_id{},
                                        kernel_routed_message{h.request_id, h.stamp,
                                                              dynamic_message::from(value)})
                 : make_mailbox_element(from, message_id{}, value);
    // Refused once `dest` terminates (found in the registry a moment before).
    return dest->enqueue(std::move(msg)) ? host_delivery::delivered : host_delivery::receiver_gone;
  }
  if constexpr (sizeof...(Ts) > 0)
    return send_host_as<Ts...>(id + 1, dest, from, h, payload);
  else
    return host_delivery::unknown_type;
}

/// Delivers what Kernel sent with ctx.send_host() to the host actor it
/// named; false if there is none (any more) or the type id is unknown.
template <class Kernel>
bool send_host_message(const system_ref& sys, const strong_actor_ptr& from, const slot_header& h,
                       const std::byte* payload) {
  if constexpr (has_outputs<Kernel>) {
    auto dest = sys.find_actor(h.receiver_id);
    if (!dest)
      return false;
    auto result = [&]<class... Ts>(message_list<Ts...>) {
      if constexpr (sizeof...(Ts) > 0)
        return send_host_as<Ts...>(1, dest.get(), from, h, payload);
      else
        return host_delivery::unknown_type;
    }(typename Kernel::outputs{});
    if (result == host_delivery::unknown_type)
      log_warn("a kernel sent a message of unknown type id {} to actor {}", h.type_id,
               h.receiver_id);
    return result == host_delivery::delivered;
  } else {
    return false;
  }
}

// -- the proxy -------------------------------------------------------------------------

template <class Interface, class Kernel>
class kernel_proxy;

/// The actor behind a kernel's handle.
///
/// Messages of the interface take the direct path: the sender's own thread
/// marshals them into H2K inside enqueue(), so a request costs no mailbox
/// round and no scheduler hand-off (on a 2-core machine, the hand-off to a
/// worker was most of a round trip). Everything else goes through the
/// mailbox: system messages (exit, link, monitor), the poller's
/// h2k_space and kernel_failure, get_kernel_stats, and interface messages
/// while the direct path is closed: before the behavior runs, in launch mode
/// (a launch must not run on the sender's thread), and once the actor exits.
///
/// Order. H2K has one producer at a time: every push, direct or from a
/// forwarder, happens under push_mutex_. Interface messages that went
/// through the mailbox are counted (slow_pending_) and the direct path only
/// opens again when none is left, and a full ring sends every later message
/// to backlog_ until it drains: so one sender's messages reach the kernel in
/// the order it sent them.
template <class Kernel, class... Sigs>
class kernel_proxy<typed_actor<Sigs...>, Kernel> final : public typed_event_based_actor<Sigs...> {
public:
  using super = typed_event_based_actor<Sigs...>;
  using behavior_type = typed_behavior<Sigs...>;

  kernel_proxy(actor_system& sys, std::shared_ptr<kernel_session> session)
    : super(sys),
      launch_mode_(session->config().mode == loop_mode::launch),
      session_(std::move(session)) {
    this->set_name(session_->config().name);
  }

  bool enqueue(mailbox_element_ptr x) override {
    if (x && !x->mid.is_urgent() && !x->mid.is_response()) {
      bool taken = false;
      bool matched = (try_direct<Sigs>(*x, taken) || ...);
      if (matched && taken)
        return true;
    }
    return super::enqueue(std::move(x));
  }

  behavior_type make_behavior() override {
    // Persistent mode: the poller flushes a backlog itself (no mailbox
    // round); launch mode: a flush launches, so it runs here (h2k_space).
    session_->attach(this->address(), session_->config().mode == loop_mode::persistent
                                        ? &kernel_proxy::flush_from_poller
                                        : nullptr);
    behavior bhvr{
      forwarder<Sigs>()...,
      [this](h2k_space) { flush(); },
      [this](kernel_failure& f) { fail(std::move(f.reason)); },
      [this](fault_exit) { this->quit(fault_reason_); },
      [this](get_kernel_stats) {
        std::size_t backlog = 0;
        {
          std::lock_guard guard{push_mutex_};
          backlog = backlog_.size();
        }
        return session_->stats(backlog);
      },
    };
    {
      std::lock_guard guard{push_mutex_};
      behavior_ready_ = true;
      maybe_open_direct();
    }
    return behavior_type::make_unchecked(std::move(bhvr));
  }

protected:
  void on_exit() override {
    {
      // After this, no other thread touches session_ or the ring.
      std::lock_guard guard{push_mutex_};
      exiting_ = true;
      direct_open_ = false;
      // Backlogged requests never reached the kernel: their promises are
      // in the session and get dead_receiver (after a fault: the fault)
      // when it finishes.
      backlog_.clear();
      session_->note_backlog(0);
      // From here on, requests that arrive get the closed mailbox's answer.
      retired_ = true;
    }
    session_->retire(exit_mode_, fault_reason_);
    // The session holds a weak reference to this actor, which keeps its
    // memory: drop ours, so that the poller's release of the session (once
    // finished) breaks the cycle.
    session_.reset();
  }

private:
  struct outbound {
    slot_header header;
    std::vector<std::byte> payload;
  };

  /// Proxy -> itself, after a fault: the requests its mailbox held before
  /// were passed on to the session (which answers them with the fault);
  /// now it quits.
  struct fault_exit {};

  /// What a push under push_mutex_ left to do once the lock is released.
  enum class push_outcome { done, launch_failed, launch_stalled, kernel_faulted };

  /// If `x` holds Sig's message type: sets `taken` when the direct path
  /// consumed it, returns true (the type matched).
  template <class Sig>
  bool try_direct(mailbox_element& x, bool& taken) {
    using M = typename signature_trait<Sig>::message_type;
    const M* msg = x.get_if<M>();
    if (msg == nullptr)
      return false;
    // After a fault, a request goes to the session, which answers it with
    // the fault once the kernel stopped, rather than to a mailbox that may
    // close first (and answer dead_receiver). Pairs with the release store
    // in fail(); no launch holds push_mutex_ after it.
    if (faulted_.load(std::memory_order_acquire)) {
      std::lock_guard guard{push_mutex_};
      if (!retired_) {
        (void) marshal<Sig>(*msg, x, strong_actor_ptr{this});
        taken = true;
      }
      return true;
    }
    // Launch mode: the direct path never opens, and the proxy holds
    // push_mutex_ for a whole launch; a sender must not wait for it.
    if (launch_mode_)
      return true;
    std::lock_guard guard{push_mutex_};
    if (!direct_open_) {
      if (!exiting_)
        ++slow_pending_; // the forwarder takes it, in order
      return true;
    }
    (void) marshal<Sig>(*msg, x, strong_actor_ptr{this});
    taken = true;
    return true;
  }

  /// Builds the slot for `msg` (registering the request's promise) and
  /// pushes it or appends it to the backlog. Caller holds push_mutex_.
  template <class Sig>
  push_outcome marshal(const typename signature_trait<Sig>::message_type& msg, mailbox_element& x,
                       strong_actor_ptr self) {
    using M = typename signature_trait<Sig>::message_type;
    using R = typename signature_trait<Sig>::response_type;
    slot_header h;
    h.type_id = input_type_id<Kernel, M>();
    h.payload_size = sizeof(M);
    if (x.sender)
      h.sender_id = x.sender->id();
    h.receiver_id = x.trace().span_id(); // H2K: the span only (slot.hpp)
    if (x.mid.is_request()) {
      h.request_id = ++last_request_id_;
      // Registered before the push: the reply may come back at once.
      session_->add_pending(h.request_id, response_promise{std::move(self), x},
                            &decode_reply<Kernel, R>);
    }
    return send_to_kernel(h, &msg);
  }

  template <class Sig>
  auto forwarder() {
    using M = typename signature_trait<Sig>::message_type;
    using R = typename signature_trait<Sig>::response_type;
    return [this](const M& msg) -> result<R> {
      auto outcome = push_outcome::done;
      {
        std::lock_guard guard{push_mutex_};
        if (slow_pending_ > 0)
          --slow_pending_;
        outcome = marshal<Sig>(msg, *this->current_element(), this->ctrl());
        maybe_open_direct();
      }
      after_push(outcome);
      return delegated<R>{};
    };
  }

  push_outcome send_to_kernel(const slot_header& h, const void* payload) {
    if (backlog_.empty()) {
      auto outcome = push_outcome::done;
      if (try_push(h, payload, outcome))
        return outcome;
    }
    // A full H2K ring: keep the message, in order, until the poller says
    // that the kernel freed slots.
    const auto* bytes = static_cast<const std::byte*>(payload);
    backlog_.push_back(outbound{h, std::vector<std::byte>(bytes, bytes + h.payload_size)});
    session_->note_backlog(backlog_.size());
    direct_open_ = false;
    session_->set_backlogged();
    return push_outcome::done;
  }

  /// Caller holds push_mutex_.
  bool try_push(const slot_header& h, const void* payload, push_outcome& outcome) {
    if (exiting_ || !session_->channel().try_send(h, payload))
      return false;
    session_->note_pushed(++pushed_);
    if (session_->config().mode == loop_mode::launch) {
      try {
        // Bounded by the stall timeout: a handler that hangs must not keep
        // this scheduler worker (or push_mutex_) for good.
        if (!session_->launch()) {
          outcome = push_outcome::launch_stalled;
          return true;
        }
      } catch (const std::exception& ex) {
        launch_error_ = ex.what();
        outcome = push_outcome::launch_failed;
        return true;
      }
      if (session_->channel().control().state() == kernel_state::faulted)
        outcome = push_outcome::kernel_faulted;
    }
    return true;
  }

  /// Caller holds push_mutex_.
  void maybe_open_direct() {
    direct_open_ = behavior_ready_ && !exiting_ && backlog_.empty() && slow_pending_ == 0
                   && session_->config().mode == loop_mode::persistent;
  }

  /// Runs on the proxy's own thread, without push_mutex_.
  void after_push(push_outcome outcome) {
    if (outcome == push_outcome::launch_failed)
      fail(session_->launch_failure(launch_error_));
    else if (outcome == push_outcome::launch_stalled)
      fail(error{gpu_error::kernel_stalled,
                 fmt::format("a launch did not finish within the stall timeout ({} ms)",
                             std::chrono::duration_cast<std::chrono::milliseconds>(
                               session_->config().stall_timeout)
                               .count())});
    else if (outcome == push_outcome::kernel_faulted)
      fail(session_->fault_error());
  }

  void flush() {
    auto outcome = push_outcome::done;
    {
      std::lock_guard guard{push_mutex_};
      outcome = flush_locked();
    }
    after_push(outcome);
  }

  /// The poller's backlog_flusher (persistent mode, so no launch can fail):
  /// `self` is this proxy, kept alive by the poller's strong reference.
  static void flush_from_poller(abstract_actor* self) {
    auto* proxy = static_cast<kernel_proxy*>(self);
    std::lock_guard guard{proxy->push_mutex_};
    (void) proxy->flush_locked();
  }

  /// Pushes what fits of the backlog, in order. Caller holds push_mutex_.
  push_outcome flush_locked() {
    auto outcome = push_outcome::done;
    if (exiting_)
      return outcome; // session_ may be gone; the backlog was dropped on exit
    while (!backlog_.empty() && outcome == push_outcome::done
           && try_push(backlog_.front().header, backlog_.front().payload.data(), outcome))
      backlog_.pop_front();
    session_->note_backlog(backlog_.size());
    if (!backlog_.empty())
      session_->set_backlogged();
    maybe_open_direct();
    return outcome;
  }

  void fail(error reason) {
    {
      std::lock_guard guard{push_mutex_};
      if (exiting_)
        return;
      exiting_ = true;
      direct_open_ = false;
    }
    session_->count_fault(reason); // ringactor_kernel_faults_total
    if (reason == gpu_error::kernel_stalled) {
      exit_mode_ = kernel_session::exit_mode::stalled;
      this->quit(std::move(reason));
      return;
    }
    // A fault: requests already in the mailbox go on to the session, which
    // answers them with the fault (code included), before the proxy quits;
    // those that come later are taken there directly (try_direct).
    exit_mode_ = kernel_session::exit_mode::faulted;
    fault_reason_ = std::move(reason);
    // Pairs with the acquire load in try_direct().
    faulted_.store(true, std::memory_order_release);
    this->enqueue(make_mailbox_element(nullptr, message_id{}, fault_exit{}));
  }

  /// The kernel runs in launch mode (set once, read by any sender).
  const bool launch_mode_;
  std::shared_ptr<kernel_session> session_;
  // push_mutex_ guards everything below up to exit_mode_: any thread that
  // sends to the kernel (direct path) and the proxy's own thread.
  std::mutex push_mutex_;
  std::deque<outbound> backlog_;
  std::uint64_t last_request_id_ = 0;
  std::uint64_t pushed_ = 0;
  std::size_t slow_pending_ = 0;
  bool behavior_ready_ = false;
  bool direct_open_ = false;
  bool exiting_ = false;
  /// on_exit() retired the session: nothing may be marshalled any more.
  bool retired_ = false;
  std::string launch_error_;
  /// Set once by fail() after a fault (release); loaded with acquire by
  /// senders in try_direct(), which then take push_mutex_.
  std::atomic<bool> faulted_{false};
  // The proxy's own thread only.
  kernel_session::exit_mode exit_mode_ = kernel_session::exit_mode::drain;
  error fault_reason_;
};

} // namespace detail

/// Starts `kernel` (copied: its initial state) and returns a handle of type
/// Interface, a typed_actor whose every message the kernel accepts. Sending,
/// requesting, monitoring and linking work as for a host actor of that
/// interface; requests are answered with the kernel's replies.
///
/// The kernel runs until its actor exits: a quit, kill, exit message, the
/// system's shutdown, or no handle left. It then drains (handles what was
/// queued; those requests get their replies) and its threads, streams and
/// memory are released before monitors see the down message. A fault ends
/// the actor with gpu_error::kernel_fault, a heartbeat that stands still
/// past cfg.stall_timeout (in launch mode: a launch that does not finish
/// within it) with gpu_error::kernel_stalled. After a stall, requests it can
/// no longer answer get sec::dead_receiver. After a fault, the request whose
/// handler faulted and every other request not yet answered (in H2K, in the
/// proxy's backlog, in its mailbox) get the actor's exit reason, a
/// kernel_fault naming the fault ("... fault code 7" after ctx.fault(7)).
/// Both once the actor began to exit, so that a requester can tell the
/// kernel's fault from a kernel_fault passed on. A sticky CUDA error (an
/// illegal address, a device assert, ...) on any kernel of its device ends
/// it, and every kernel actor on that device, with gpu_error::device_lost
/// instead (device_health.hpp).
///
/// With cfg.snapshots (snapshot_store.hpp) the kernel starts from the
/// store's latest snapshot instead, if there is one, and publishes its own.
///
/// Throws std::invalid_argument for an invalid configuration, cuda_error
/// when the CUDA backend was asked for and cannot run the kernel (on a lost
/// device: at once, naming the device; kernel_backend::automatic picks the
/// CPU backend there), and
/// system_shut_down once `sys.shutdown()` began.
template <class Interface, class Kernel>
Interface spawn_kernel(actor_system& sys, const Kernel& kernel, kernel_config cfg = {}) {
  static_assert(is_typed_actor_v<Interface>,
                "ringactor: spawn_kernel<Interface> needs a typed_actor<...> interface");
  static_assert(detail::check_kernel_interface<Kernel>(typename Interface::signatures{}));
  // Before any ring, thread or device work: the kernel would never serve.
  if (sys.stopping())
    throw system_shut_down{"a kernel actor"};
  constexpr auto needed = static_cast<std::uint32_t>(kernel_slot_size_v<Kernel>);
  if (cfg.slot_size == 0)
    cfg.slot_size = needed;
  if (cfg.slot_size < needed)
    throw std::invalid_argument("ringactor: kernel_config::slot_size is smaller than the "
                                "kernel's slot_size ("
                                + std::to_string(needed) + " bytes)");
  channel_geometry geometry{cfg.h2k_capacity, cfg.k2h_capacity, cfg.slot_size};
  if (!geometry.valid())
    throw std::invalid_argument("ringactor: ring capacities must be powers of two >= 2 and "
                                "the slot size a multiple of 64 bytes, at least 128");
  if (cfg.grid.blocks == 0 || cfg.grid.threads == 0)
    throw std::invalid_argument("ringactor: a kernel grid needs at least one block and thread");
  // A parked loop beats once per heartbeat interval: a watchdog that waits
  // no longer than that would declare an idle, healthy kernel stalled.
  if (cfg.heartbeat_interval <= std::chrono::nanoseconds::zero()
      || cfg.stall_timeout <= cfg.heartbeat_interval)
    throw std::invalid_argument("ringactor: kernel_config needs a positive heartbeat_interval "
                                "and a longer stall_timeout");
  if (cfg.residency_timeout <= std::chrono::nanoseconds::zero())
    throw std::invalid_argument("ringactor: kernel_config needs a positive residency_timeout");
  auto backend = detail::resolve_backend<Kernel>(cfg);
  // Snapshots (snapshot_store.hpp): start from cfg.snapshots' latest one.
  const auto start = detail::prepare_kernel_start(kernel, cfg, backend);
  auto& poller = detail::completion_poller::of(backend, cfg.device);
  std::unique_ptr<kernel_channel> channel;
  if (backend == kernel_backend::cpu)
    channel = std::make_unique<kernel_channel>(geometry);
  else
    channel = std::make_unique<kernel_channel>(
      geometry, allocate_mapped(kernel_channel::bytes_for(geometry)));
  start.attach_to(*channel);
  auto session = std::make_shared<detail::kernel_session>(sys, cfg, backend, std::move(channel),
                                                          &detail::send_host_message<Kernel>,
                                                          type_name_of<Kernel>());
  std::unique_ptr<detail::kernel_runner_base> runner;
  if (backend == kernel_backend::cpu) {
    cpu_kernel_options opts;
    opts.grid = cfg.grid;
    opts.emulation = cfg.cpu_emulation;
    opts.mode = cfg.mode;
    opts.heartbeat_interval = cfg.heartbeat_interval;
    opts.spin_before_park = cfg.spin_before_park;
    opts.idle_yield = sys.config().idle_yield;
    opts.host_doorbell = &poller.bell();
    // The kernel's thread delivers its own replies (the session outlives
    // the runner, which it joins before it goes).
    opts.completion = {&detail::kernel_session::complete_inline, session.get()};
    runner = std::make_unique<detail::cpu_runner_adapter<Kernel>>(start.state, session->channel(),
                                                                  opts);
  } else {
    cuda_kernel_options opts;
    opts.grid = cfg.grid;
    opts.mode = cfg.mode;
    opts.heartbeat_interval = cfg.heartbeat_interval;
    opts.device = cfg.device;
    auto r = make_cuda_runner(start.state, session->channel(), opts);
    if (cfg.mode == loop_mode::persistent)
      r.start();
    runner = std::make_unique<detail::cuda_runner_adapter>(std::move(r));
  }
  session->start(std::move(runner), poller);
  session->watch_health(sys.health());
  // The poller serves the session before the proxy exists: a proxy spawned
  // while the system shuts down exits inside spawn(), and its on_exit waits
  // for the poller to finish the session (else it would wait out the stall
  // timeout, and the kernel would outlive the down message).
  poller.add(session);
  auto handle = [&] {
    try {
      return sys.spawn<detail::kernel_proxy<Interface, Kernel>>(session);
    } catch (...) {
      session->retire(detail::kernel_session::exit_mode::drain); // no proxy: stop the kernel
      throw;
    }
  }();
  // K2K brokers find the kernel's port by its actor id (kernel_ports.hpp).
  detail::register_kernel_port<Kernel>(handle.id(), session, session->channel(), backend, cfg,
                                       &session->loop_ended());
  return handle;
}

} // namespace ringactor
