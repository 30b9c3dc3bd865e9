#include "actor_registry.hpp"

#include <mutex>

namespace ringactor::detail {

void actor_registry::add(abstract_actor* x) noexcept {
  auto& s = shards_[x->id() % num_shards];
  {
    std::lock_guard guard{s.lock};
    x->registered_ = true;
    x->registry_prev_ = nullptr;
    x->registry_next_ = s.head;
    if (s.head != nullptr)
      s.head->registry_prev_ = x;
    s.head = x;
  }
  alive_.fetch_add(1, std::memory_order_acq_rel);
}

void actor_registry::remove(abstract_actor* x) noexcept {
  auto& s = shards_[x->id() % num_shards];
  {
    std::lock_guard guard{s.lock};
    if (!x->registered_)
      return;
    x->registered_ = false;
    if (x->registry_prev_ != nullptr)
      x->registry_prev_->registry_next_ = x->registry_next_;
    else
      s.head = x->registry_next_;
    if (x->registry_next_ != nullptr)
      x->registry_next_->registry_prev_ = x->registry_prev_;
    x->registry_prev_ = x->registry_next_ = nullptr;
  }
  // acq_rel pairs with the acquire load in await_empty / size().
  if (alive_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard guard{empty_mtx_};
    empty_cv_.notify_all();
  }
}

std::vector<strong_actor_ptr> actor_registry::snapshot() const {
  std::vector<strong_actor_ptr> result;
  result.reserve(size());
  for (auto& s : shards_) {
    std::lock_guard guard{s.lock};
    for (auto x = s.head; x != nullptr; x = x->registry_next_) {
      // An actor whose last strong reference is being dropped right now is
      // skipped: it is about to exit as unreachable and leave the registry.
      auto count = x->strong_.load(std::memory_order_relaxed);
      while (count > 0) {
        if (x->strong_.compare_exchange_weak(count, count + 1, std::memory_order_acq_rel,
                                             std::memory_order_relaxed)) {
          result.emplace_back(x, false);
          break;
        }
      }
    }
  }
  return result;
}

strong_actor_ptr actor_registry::find(actor_id id) const {
  auto& s = shards_[id % num_shards];
  std::lock_guard guard{s.lock};
  for (auto x = s.head; x != nullptr; x = x->registry_next_) {
    if (x->id() != id)
      continue;
    auto count = x->strong_.load(std::memory_order_relaxed);
    while (count > 0)
      if (x->strong_.compare_exchange_weak(count, count + 1, std::memory_order_acq_rel,
                                           std::memory_order_relaxed))
        return strong_actor_ptr{x, false};
    return nullptr;
  }
  return nullptr;
}

bool actor_registry::await_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock guard{empty_mtx_};
  return empty_cv_.wait_until(guard, deadline, [this] { return size() == 0; });
}

void actor_registry::await_empty() {
  std::unique_lock guard{empty_mtx_};
  empty_cv_.wait(guard, [this] { return size() == 0; });
}

} // namespace ringactor::detail
