// ringactor: actors that own a thread and block on receive. `scoped_actor`
// gives a non-actor thread (main, a test) an actor identity.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <utility>

#include "ringactor/behavior.hpp"
#include "ringactor/local_actor.hpp"
#include "ringactor/scheduled_actor.hpp"
#include "ringactor/spawn_options.hpp"

namespace ringactor {

template <class Response>
class blocking_response_handle;

class blocking_actor : public local_actor {
public:
  using clock = std::chrono::steady_clock;

  explicit blocking_actor(actor_system& sys);
  ~blocking_actor() override;

  bool enqueue(mailbox_element_ptr x) override;

  /// Sends a request; complete it with `.receive(on_value, on_error)`, which
  /// blocks until the response, an error, or the timeout.
  template <class Handle, class T, class Rep, class Period>
  auto request(const Handle& dest, std::chrono::duration<Rep, Period> timeout, T&& msg) {
    static_assert(detail::send_check<Handle, T>::value);
    using response = typename detail::response_of<Handle, T>::type;
    auto mid = new_request_id();
    outstanding_.insert(mid.number());
    auto x = make_mailbox_element(ctrl(), mid, std::forward<T>(msg));
    begin_request_span(*x);
    send_request(detail::actor_ptr_of(dest), std::move(x));
    auto span = std::chrono::duration_cast<timespan>(timeout);
    auto deadline = span == infinite ? clock::time_point::max() : clock::now() + span;
    return blocking_response_handle<response>{intrusive_ptr<blocking_actor>{this}, mid, deadline};
  }

  // -- spawning ---------------------------------------------------------------

  /// Spawns an actor (see actor_system::spawn) that is linked to and/or
  /// monitored by this one: `self->spawn<monitored>(f, xs...)` delivers the
  /// child's down_msg to receive(); with `linked`, the child's abnormal exit
  /// arrives as an exit_msg to receive. Also `spawn<Os, T>(xs...)` for
  /// class-based actors.
  template <spawn_options Os, class F, class... Ts>
    requires(!std::is_base_of_v<scheduled_actor, F>)
  auto spawn(F fun, Ts&&... xs) {
    using system_type = std::conditional_t<sizeof(F) != 0, actor_system, void>;
    return static_cast<system_type&>(system()).template spawn_for<Os>(*this, std::move(fun),
                                                                      std::forward<Ts>(xs)...);
  }

  template <spawn_options Os, class T, class... Ts>
    requires std::is_base_of_v<scheduled_actor, T>
  auto spawn(Ts&&... xs) {
    using system_type = std::conditional_t<sizeof(T) != 0, actor_system, void>;
    return static_cast<system_type&>(system()).template spawn_for<Os, T>(*this,
                                                                         std::forward<Ts>(xs)...);
  }

  /// Blocks until a message that one of `fs` handles arrives and runs it.
  /// Messages no handler accepts stay in the mailbox, in order. A handler
  /// that throws answers its request with unhandled_exception (the
  /// exception's what() as context), then the exception propagates. A
  /// handler that returns skip leaves its message where it was.
  template <class... Fs>
  void receive(Fs... fs) {
    static_assert(!(detail::is_timeout_definition_v<Fs> || ...),
                  "ringactor: a blocking receive has no idle timeout; use receive_for(d, ...)");
    behavior bhvr{std::move(fs)...};
    receive_impl(bhvr, clock::time_point::max());
  }

  /// As receive(), but gives up after `timeout`; returns whether a handler ran.
  template <class Rep, class Period, class... Fs>
  bool receive_for(std::chrono::duration<Rep, Period> timeout, Fs... fs) {
    static_assert(
      !(detail::is_timeout_definition_v<Fs> || ...),
      "ringactor: a blocking receive has no idle timeout; its timeout is receive_for's");
    behavior bhvr{std::move(fs)...};
    return receive_impl(bhvr, clock::now() + timeout);
  }

  /// Waits for the response to `mid` until `deadline` (null on timeout).
  mailbox_element_ptr await_response(message_id mid, clock::time_point deadline);

  /// Nobody will wait for the response to `mid` (its handle was dropped
  /// unused): releases it if it arrived, and drops it when it arrives later.
  void forget_response(message_id mid) noexcept;

  /// Ends this actor (its owner's scope ended); answers pending requests.
  void close(error reason);

protected:
  void on_unreachable() override;

private:
  bool receive_impl(behavior& bhvr, clock::time_point deadline);
  /// Moves new messages from the inbox to cache_, waiting until `deadline`
  /// if there are none. False on timeout.
  bool fetch_more(clock::time_point deadline);

  std::deque<mailbox_element_ptr> cache_;
  // Requests whose handles may still wait for a response: receive() keeps
  // their responses and drops only those nobody waits for any more.
  std::unordered_set<uint64_t> outstanding_;
  // How long fetch_more spins before blocking (adaptive).
  timespan spin_budget_;
  std::mutex wake_mtx_;
  std::condition_variable wake_cv_;
  bool woken_ = false; // guarded by wake_mtx_
};

/// The pending outcome of blocking_actor::request. Move-only: it stands for
/// one response. Dropped without receive() or get(), it tells its actor that
/// nobody waits for the response, which is then released rather than kept
/// for the actor's lifetime. It keeps its actor's object alive, so it may
/// outlive a scoped_actor; like the actor, it is used on one thread.
template <class Response>
class [[nodiscard("a request's response is received through its handle; dropping it discards "
                  "the response")]] blocking_response_handle {
public:
  blocking_response_handle(intrusive_ptr<blocking_actor> self, message_id mid,
                           blocking_actor::clock::time_point deadline) noexcept
    : self_(std::move(self)), mid_(mid), deadline_(deadline) {}

  blocking_response_handle(blocking_response_handle&& other) noexcept
    : self_(std::move(other.self_)), mid_(other.mid_), deadline_(other.deadline_) {}

  blocking_response_handle& operator=(blocking_response_handle&& other) noexcept {
    if (this != &other) {
      forget();
      self_ = std::move(other.self_);
      mid_ = other.mid_;
      deadline_ = other.deadline_;
    }
    return *this;
  }

  blocking_response_handle(const blocking_response_handle&) = delete;
  blocking_response_handle& operator=(const blocking_response_handle&) = delete;

  ~blocking_response_handle() { forget(); }

  /// Blocks until the response (runs `f`) or an error (runs `e`): the
  /// receiver's error, request_timeout, dead_receiver or unexpected_message.
  /// A handle is received once; a second receive() (or one on a moved-from
  /// handle) gets an invalid_argument error.
  template <class F, class E>
  void receive(F f, E e) {
    detail::check_response_callback<Response, F>();
    auto cb = detail::make_response_callback(std::move(f), std::move(e));
    if (!self_) {
      error err{sec::invalid_argument, "this response handle was already received or moved from"};
      cb(nullptr, &err);
      return;
    }
    // await_response forgets the request whatever happens.
    auto self = std::move(self_);
    if (auto x = self->await_response(mid_, deadline_)) {
      cb(x.get(), nullptr);
    } else {
      error err{sec::request_timeout};
      cb(nullptr, &err);
    }
  }

  /// The response as a value, or the error. Typed requests know the value
  /// type; for untyped ones name it: `get<int>()`.
  template <class T = std::conditional_t<std::is_same_v<Response, detail::dynamic_response>, void,
                                         Response>>
  expected<T> get() {
    if constexpr (std::is_void_v<T>) {
      expected<void> out;
      receive([] {}, [&](const error& err) { out = err; });
      return out;
    } else {
      std::optional<expected<T>> out;
      receive([&](T x) { out.emplace(std::move(x)); }, [&](const error& err) { out.emplace(err); });
      return std::move(*out);
    }
  }

private:
  void forget() noexcept {
    if (self_) {
      auto self = std::move(self_);
      self->forget_response(mid_);
    }
  }

  intrusive_ptr<blocking_actor> self_; // null once received, forgotten or moved from
  message_id mid_;
  blocking_actor::clock::time_point deadline_;
};

class actor_system;

/// A blocking actor bound to the current scope:
///
///   scoped_actor self{sys};
///   self->request(adder, 1s, add{1, 2}).receive(
///     [](int sum) { ... }, [](const error& err) { ... });
class scoped_actor {
public:
  explicit scoped_actor(actor_system& sys);
  scoped_actor(const scoped_actor&) = delete;
  scoped_actor& operator=(const scoped_actor&) = delete;
  ~scoped_actor();

  blocking_actor* operator->() const noexcept { return self_.get(); }
  blocking_actor& operator*() const noexcept { return *self_; }
  blocking_actor* get() const noexcept { return self_.get(); }
  actor_addr address() const noexcept { return self_->address(); }
  strong_actor_ptr ctrl() const noexcept { return self_->ctrl(); }
  actor_id id() const noexcept { return self_->id(); }
  /// An untyped handle to this actor, to give to others.
  actor as_actor() const noexcept { return actor{self_->ctrl()}; }

private:
  intrusive_ptr<blocking_actor> self_;
};

} // namespace ringactor
