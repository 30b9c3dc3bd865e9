// Callback requests (callback_request.hpp): the sink that takes a request's
// answer, and the system's list of their deadlines (request_deadlines.hpp).
#include "ringactor/callback_request.hpp"

#include <vector>

#include "metrics/runtime_counters.hpp"
#include "request_deadlines.hpp"
#include "system_core.hpp"

namespace ringactor::detail {

namespace {

// Requests due within this much of a timer tick fail together (as for an
// actor's requests, scheduled_actor_timers.cpp).
constexpr auto deadline_slack = std::chrono::milliseconds{1};

/// Unique in the process (relaxed: only uniqueness matters). Starts at 1:
/// number 0 means "no request" to a pool's cancel_request.
std::atomic<uint64_t> last_callback_request{0};

} // namespace

message_id next_callback_request_id() noexcept {
  auto n = last_callback_request.fetch_add(1, std::memory_order_relaxed) + 1;
  if ((n & message_id::number_mask) == 0) // wrapped: skip 0
    n = last_callback_request.fetch_add(1, std::memory_order_relaxed) + 1;
  return message_id::make_request(n);
}

void watch_deadline(actor_system& sys, callback_sink& sink,
                    callback_sink::clock::time_point deadline) {
  sys.core().deadlines.add(sink, deadline);
}

// -- the sink ------------------------------------------------------------------------

callback_sink::callback_sink(actor_system& sys, message_id mid, callback f)
  : abstract_actor(sys), mid_(mid), f_(std::move(f)) {}

callback_sink::~callback_sink() = default;

bool callback_sink::enqueue(mailbox_element_ptr x) {
  if (x->mid.is_response() && x->mid.number() == mid_.number()) {
    complete(x.get(), nullptr);
    return true;
  }
  if (x->mid.is_request()) // nobody is there to answer it
    bounce(*x, error{sec::unexpected_message, "the requester of a callback request takes its "
                                              "response only"});
  return false;
}

bool callback_sink::complete(mailbox_element* x, const error* err) {
  // Callers hold a strong reference (the response's path, the deadline
  // list, a ticket); this one outlives the list's, released in remove().
  strong_actor_ptr keep{this};
  if (done_.exchange(true, std::memory_order_acq_rel))
    return false;
  core().deadlines.remove(*this);
  note_request(core(), x, err);
  auto f = std::move(f_);
  f_ = nullptr;
  f(x, err);
  return true;
}

void callback_sink::on_unreachable() {
  // No strong reference is left, so the deadline list (which holds one)
  // does not have this sink: the request had no deadline, and its receiver
  // dropped it unanswered. The callback learns it, once.
  if (done_.exchange(true, std::memory_order_acq_rel))
    return;
  error err{sec::broken_promise, "the receiver of a callback request dropped it unanswered"};
  note_request(core(), nullptr, &err);
  auto f = std::move(f_);
  f_ = nullptr;
  f(nullptr, &err);
}

// -- the deadline list ---------------------------------------------------------------

request_deadlines::~request_deadlines() {
  std::vector<strong_actor_ptr> refs;
  {
    std::lock_guard guard{mtx_};
    while (head_ != nullptr) {
      auto s = head_;
      unlink(*s);
      refs.emplace_back(s, false); // adopts the list's reference
    }
  }
}

void request_deadlines::add(callback_sink& s, clock::time_point deadline) {
  intrusive_ptr_add_ref(&s); // the list's reference
  std::lock_guard guard{mtx_};
  s.deadline_ = deadline;
  s.linked_ = true;
  ++size_;
  // From the tail back to the last deadline not later than this one.
  auto after = tail_;
  while (after != nullptr && after->deadline_ > deadline)
    after = after->prev_;
  s.prev_ = after;
  s.next_ = after != nullptr ? after->next_ : head_;
  if (s.next_ != nullptr)
    s.next_->prev_ = &s;
  else
    tail_ = &s;
  if (after != nullptr)
    after->next_ = &s;
  else
    head_ = &s;
  if (head_ == &s)
    arm(deadline);
}

bool request_deadlines::unlink(callback_sink& s) noexcept {
  if (!s.linked_)
    return false;
  (s.prev_ != nullptr ? s.prev_->next_ : head_) = s.next_;
  (s.next_ != nullptr ? s.next_->prev_ : tail_) = s.prev_;
  s.prev_ = s.next_ = nullptr;
  s.linked_ = false;
  --size_;
  return true;
}

void request_deadlines::remove(callback_sink& s) noexcept {
  bool linked;
  {
    std::lock_guard guard{mtx_};
    linked = unlink(s);
  }
  // Outside the lock: the caller holds its own reference (complete()).
  if (linked)
    intrusive_ptr_release(&s);
}

void request_deadlines::arm(clock::time_point when) {
  if (when + deadline_slack >= armed_)
    return;
  armed_ = when;
  timer_.schedule(when, [this] { expire(); });
}

void request_deadlines::expire() {
  std::vector<strong_actor_ptr> due;
  {
    std::lock_guard guard{mtx_};
    armed_ = clock::time_point::max();
    auto limit = clock::now() + deadline_slack;
    while (head_ != nullptr && head_->deadline_ <= limit) {
      auto s = head_;
      unlink(*s);
      due.emplace_back(s, false); // adopts the list's reference
    }
    if (head_ != nullptr)
      arm(head_->deadline_);
  }
  // Earliest first, as they were sent.
  for (auto& s : due) {
    error err{sec::request_timeout};
    static_cast<callback_sink*>(s.get())->complete(nullptr, &err);
  }
}

void request_deadlines::fail_all(const error& err) {
  std::vector<strong_actor_ptr> all;
  {
    std::lock_guard guard{mtx_};
    while (head_ != nullptr) {
      auto s = head_;
      unlink(*s);
      all.emplace_back(s, false);
    }
  }
  for (auto& s : all)
    static_cast<callback_sink*>(s.get())->complete(nullptr, &err);
}

size_t request_deadlines::size() const {
  std::lock_guard guard{mtx_};
  return size_;
}

} // namespace ringactor::detail
