// ringactor: the lock-free multi-producer single-consumer inbox of an actor.
//
// Producers push with one CAS onto a LIFO stack; the consumer takes the whole
// stack at once and reverses it into FIFO order (as CAF 1.x's lifo_inbox).
// Besides a pointer to the newest element, the head can hold one of two tags:
//
//   empty           nullptr: no messages, the reader is awake (running)
//   reader_blocked  no messages, the reader sleeps: the next push must wake it
//   closed          the actor is gone: pushes fail and are bounced
#pragma once

#include <atomic>
#include <cstdint>

#include "ringactor/mailbox_element.hpp"

namespace ringactor::detail {

enum class inbox_push_result {
  success,          ///< enqueued; the reader is awake or already woken
  unblocked_reader, ///< enqueued into an empty inbox whose reader slept: wake it
  closed,           ///< not enqueued: the inbox is closed
};

class lifo_inbox {
public:
  lifo_inbox() noexcept = default;
  lifo_inbox(const lifo_inbox&) = delete;
  lifo_inbox& operator=(const lifo_inbox&) = delete;
  ~lifo_inbox() { delete_chain(take_head()); }

  /// Pushes `x` (ownership passes to the inbox unless the result is closed).
  inbox_push_result push(mailbox_element* x) noexcept {
    auto head = head_.load(std::memory_order_relaxed);
    for (;;) {
      if (head == closed_tag)
        return inbox_push_result::closed;
      x->next = head == reader_blocked_tag ? nullptr : head;
      // Release pairs with the acquire exchange in take_head() / close(): the
      // consumer sees the element's contents once it sees the pointer. This
      // CAS is the one atomic operation of the enqueue fast path.
      if (head_.compare_exchange_weak(head, x, std::memory_order_acq_rel,
                                      std::memory_order_relaxed))
        return head == reader_blocked_tag ? inbox_push_result::unblocked_reader
                                          : inbox_push_result::success;
    }
  }

  /// Consumer only, while awake: takes every element, newest first.
  mailbox_element* take_head() noexcept {
    auto head = head_.load(std::memory_order_relaxed);
    if (head == nullptr || is_tag(head))
      return nullptr;
    // Acquire pairs with the release CAS in push(). Producers may have added
    // more since the load; the exchange takes them too.
    return head_.exchange(nullptr, std::memory_order_acquire);
  }

  /// Consumer only: goes to sleep if the inbox is empty. On success the next
  /// push returns unblocked_reader and its producer must wake the consumer.
  bool try_block() noexcept {
    mailbox_element* expected = nullptr;
    // acq_rel: release publishes the consumer's state to whoever wakes it
    // (that producer's CAS reads reader_blocked with acquire).
    return head_.compare_exchange_strong(expected, reader_blocked_tag, std::memory_order_acq_rel,
                                         std::memory_order_relaxed);
  }

  /// Consumer only: wakes up without a push (after a timed wait expired).
  /// False if a producer pushed in the meantime (then the head holds data).
  bool try_unblock() noexcept {
    auto expected = reader_blocked_tag;
    return head_.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel,
                                         std::memory_order_relaxed);
  }

  /// Closes the inbox and returns what it still held, newest first.
  mailbox_element* close() noexcept {
    // Acquire pairs with the release CAS in push().
    auto head = head_.exchange(closed_tag, std::memory_order_acquire);
    return is_tag(head) ? nullptr : head;
  }

  bool closed() const noexcept { return head_.load(std::memory_order_acquire) == closed_tag; }
  bool blocked() const noexcept {
    return head_.load(std::memory_order_acquire) == reader_blocked_tag;
  }
  /// True if elements wait in the inbox (a hint for spinning readers).
  bool has_data() const noexcept {
    auto head = head_.load(std::memory_order_acquire);
    return head != nullptr && !is_tag(head);
  }

  /// Reverses a LIFO chain into FIFO order.
  static mailbox_element* reverse(mailbox_element* x) noexcept {
    mailbox_element* result = nullptr;
    while (x != nullptr) {
      auto next = x->next;
      x->next = result;
      result = x;
      x = next;
    }
    return result;
  }

  static void delete_chain(mailbox_element* x) noexcept {
    while (x != nullptr) {
      auto next = x->next;
      delete x; // elements are allocated by make_mailbox_element (unique_ptr)
      x = next;
    }
  }

private:
  static inline mailbox_element* const reader_blocked_tag = reinterpret_cast<mailbox_element*>(
    uintptr_t{1});
  static inline mailbox_element* const closed_tag = reinterpret_cast<mailbox_element*>(uintptr_t{
    2});

  static bool is_tag(mailbox_element* x) noexcept {
    return x == reader_blocked_tag || x == closed_tag;
  }

  std::atomic<mailbox_element*> head_{nullptr};
};

/// A FIFO of elements linked through `next`, owned by one consumer.
class element_queue {
public:
  element_queue() noexcept = default;
  element_queue(const element_queue&) = delete;
  element_queue& operator=(const element_queue&) = delete;
  ~element_queue() { lifo_inbox::delete_chain(std::exchange(head_, nullptr)); }

  bool empty() const noexcept { return head_ == nullptr; }

  void push_back(mailbox_element* x) noexcept {
    x->next = nullptr;
    if (tail_ == nullptr)
      head_ = x;
    else
      tail_->next = x;
    tail_ = x;
  }

  void push_front(mailbox_element* x) noexcept {
    x->next = head_;
    if (head_ == nullptr)
      tail_ = x;
    head_ = x;
  }

  mailbox_element_ptr pop_front() noexcept {
    auto x = head_;
    if (x == nullptr)
      return nullptr;
    head_ = x->next;
    if (head_ == nullptr)
      tail_ = nullptr;
    x->next = nullptr;
    return mailbox_element_ptr{x};
  }

  /// Moves all of `other` in front of this queue's elements.
  void prepend(element_queue& other) noexcept {
    if (other.empty())
      return;
    other.tail_->next = head_;
    if (head_ == nullptr)
      tail_ = other.tail_;
    head_ = std::exchange(other.head_, nullptr);
    other.tail_ = nullptr;
  }

  /// Moves all of `other` behind this queue's elements.
  void append(element_queue& other) noexcept {
    if (other.empty())
      return;
    if (tail_ == nullptr)
      head_ = other.head_;
    else
      tail_->next = other.head_;
    tail_ = std::exchange(other.tail_, nullptr);
    other.head_ = nullptr;
  }

  /// Releases the whole chain (FIFO order) to the caller.
  mailbox_element* release() noexcept {
    tail_ = nullptr;
    return std::exchange(head_, nullptr);
  }

private:
  mailbox_element* head_ = nullptr;
  mailbox_element* tail_ = nullptr;
};

} // namespace ringactor::detail
