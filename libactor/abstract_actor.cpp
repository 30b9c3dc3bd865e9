#include "ringactor/abstract_actor.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "ringactor/actor.hpp"
#include "ringactor/actor_system.hpp"
#include "ringactor/system_messages.hpp"
#include "system_core.hpp"

namespace ringactor {

struct abstract_actor::attachable {
  attachable_kind kind;
  actor_addr other;
};

struct abstract_actor::extras {
  std::string name;
  std::vector<attachable> attachables;
  error exit_reason;
};

// -- reference counting ------------------------------------------------------------

void intrusive_ptr_add_ref(abstract_actor* x) noexcept {
  // Relaxed suffices: a new reference is made from an existing one, which
  // keeps the object alive meanwhile.
  x->strong_.fetch_add(1, std::memory_order_relaxed);
}

void intrusive_ptr_release(abstract_actor* x) noexcept {
  detail::release_strong(x, 1);
}

namespace detail {

void release_strong(abstract_actor* x, uint32_t n) noexcept {
  // acq_rel: the release orders this owner's writes before the count drop;
  // the acquire (in the last owner) makes every owner's writes visible to
  // on_unreachable and to the destructor.
  if (x->strong_.fetch_sub(n, std::memory_order_acq_rel) == n) {
    x->on_unreachable();
    weak_release(x);
  }
}

void weak_ref(abstract_actor* x) noexcept {
  x->weak_.fetch_add(1, std::memory_order_relaxed);
}

void weak_release(abstract_actor* x) noexcept {
  // acq_rel as in intrusive_ptr_release.
  if (x->weak_.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete x; // allocated by actor_system::make_actor or scoped_actor
}

} // namespace detail

strong_actor_ptr actor_addr::lock() const noexcept {
  if (ptr_ == nullptr)
    return nullptr;
  auto count = ptr_->strong_.load(std::memory_order_relaxed);
  while (count > 0) {
    // Never resurrect: upgrade only while some strong reference exists.
    if (ptr_->strong_.compare_exchange_weak(count, count + 1, std::memory_order_acq_rel,
                                            std::memory_order_relaxed))
      return strong_actor_ptr{ptr_, false};
  }
  return nullptr;
}

// -- construction ----------------------------------------------------------------------

namespace {

/// Actor ids are unique in the process, not only in their system: what is
/// found by id process-wide (a kernel's K2K port, kernel_ports.hpp) must not
/// find another system's actor. Relaxed: only uniqueness matters.
std::atomic<actor_id> last_actor_id{0};

} // namespace

abstract_actor::abstract_actor(actor_system& sys)
  : id_(last_actor_id.fetch_add(1, std::memory_order_relaxed) + 1), core_(&sys.core()) {}

abstract_actor::~abstract_actor() = default;

actor_system& abstract_actor::system() const noexcept {
  return *core_->owner;
}

std::string abstract_actor::name() const {
  std::lock_guard guard{lock_};
  if (extras_ && !extras_->name.empty())
    return extras_->name;
  return "actor";
}

void abstract_actor::set_name(std::string name) {
  std::lock_guard guard{lock_};
  get_extras().name = std::move(name);
}

abstract_actor::extras& abstract_actor::get_extras() {
  if (!extras_)
    extras_ = std::make_unique<extras>();
  return *extras_;
}

error abstract_actor::exit_reason() const {
  std::lock_guard guard{lock_};
  return extras_ ? extras_->exit_reason : error{};
}

// -- monitors and links ------------------------------------------------------------

namespace {

void send_down(const actor_addr& observer, abstract_actor* source, const error& reason) {
  if (auto dest = observer.lock())
    dest->enqueue(make_mailbox_element(nullptr, message_id::urgent(),
                                       down_msg{actor_addr{source}, reason}));
}

void send_exit_signal(const actor_addr& other, abstract_actor* source, const error& reason) {
  if (auto dest = other.lock())
    dest->enqueue(make_mailbox_element(nullptr, message_id::urgent(),
                                       exit_msg{actor_addr{source}, reason, true}));
}

} // namespace

void abstract_actor::add_monitor(const actor_addr& observer) {
  error reason;
  {
    std::lock_guard guard{lock_};
    if (!is_terminated()) {
      get_extras().attachables.push_back(attachable{attachable_kind::monitor, observer});
      return;
    }
    reason = extras_ ? extras_->exit_reason : error{};
  }
  send_down(observer, this, reason);
}

void abstract_actor::remove_monitor(const actor_addr& observer) {
  std::lock_guard guard{lock_};
  if (!extras_)
    return;
  auto& xs = extras_->attachables;
  auto i = std::find_if(xs.begin(), xs.end(), [&](const attachable& x) {
    return x.kind == attachable_kind::monitor && x.other == observer;
  });
  if (i != xs.end())
    xs.erase(i);
}

bool abstract_actor::add_link(const actor_addr& other) {
  std::lock_guard guard{lock_};
  if (is_terminated())
    return false;
  auto& xs = get_extras().attachables;
  auto exists = std::any_of(xs.begin(), xs.end(), [&](const attachable& x) {
    return x.kind == attachable_kind::link && x.other == other;
  });
  if (!exists)
    xs.push_back(attachable{attachable_kind::link, other});
  return true;
}

void abstract_actor::remove_link(const actor_addr& other) {
  std::lock_guard guard{lock_};
  if (!extras_)
    return;
  auto& xs = extras_->attachables;
  auto i = std::find_if(xs.begin(), xs.end(), [&](const attachable& x) {
    return x.kind == attachable_kind::link && x.other == other;
  });
  if (i != xs.end())
    xs.erase(i);
}

bool abstract_actor::watch_named_entries() {
  std::lock_guard guard{lock_};
  if (is_terminated())
    return false;
  auto& xs = get_extras().attachables;
  auto exists = std::any_of(xs.begin(), xs.end(),
                            [](const attachable& x) { return x.kind == attachable_kind::named; });
  if (!exists)
    xs.push_back(attachable{attachable_kind::named, actor_addr{}});
  return true;
}

// -- termination ----------------------------------------------------------------------

void abstract_actor::begin_exit(const error& reason) {
  {
    std::lock_guard guard{lock_};
    if (reason || extras_)
      get_extras().exit_reason = reason;
  }
  // Release pairs with the acquire load in is_exiting(): whoever sees the
  // actor exiting also sees its exit reason (read under lock_ anyway).
  exiting_.store(true, std::memory_order_release);
}

bool abstract_actor::finalize(error reason) {
  std::vector<attachable> xs;
  {
    std::lock_guard guard{lock_};
    if (is_terminated())
      return false;
    if (reason || extras_)
      get_extras().exit_reason = reason;
    if (extras_)
      xs = std::move(extras_->attachables);
    // Release pairs with the acquire load in is_terminated().
    terminated_.store(true, std::memory_order_release);
  }
  // Named entries go first: whoever sees the down message must not find
  // this actor by name any more. The registry's references are released
  // last (the caller holds one of its own, or on_unreachable ran already).
  std::vector<strong_actor_ptr> released;
  if (std::any_of(xs.begin(), xs.end(),
                  [](const attachable& x) { return x.kind == attachable_kind::named; }))
    core_->names.remove_actor(this, released);
  for (auto& x : xs) {
    if (x.kind == attachable_kind::monitor)
      send_down(x.other, this, reason);
    else if (x.kind == attachable_kind::link)
      send_exit_signal(x.other, this, reason);
  }
  core_->registry.remove(this);
  return true;
}

void abstract_actor::bounce(mailbox_element& x, const error& reason) {
  if (x.mid.is_request() && x.sender) {
    auto mid = x.mid.response_id();
    x.mid.mark_answered();
    auto answer = make_mailbox_element(nullptr, mid, reason);
    answer->trace_ref = x.trace_ref; // the answer continues the request's trace
    x.sender->enqueue(std::move(answer));
  }
}

void abstract_actor::bounce_all(mailbox_element* chain, const error& reason) {
  while (chain != nullptr) {
    mailbox_element_ptr x{chain};
    chain = chain->next;
    bounce(*x, reason);
  }
}

} // namespace ringactor
