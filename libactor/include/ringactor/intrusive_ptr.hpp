// ringactor: an intrusive reference-counting pointer.
//
// T provides the free functions intrusive_ptr_add_ref(T*) and
// intrusive_ptr_release(T*), found by ADL.
#pragma once

#include <cstddef>
#include <utility>

namespace ringactor {

template <class T>
class intrusive_ptr {
public:
  constexpr intrusive_ptr() noexcept = default;
  constexpr intrusive_ptr(std::nullptr_t) noexcept {} // NOLINT
  explicit intrusive_ptr(T* raw, bool add_ref = true) noexcept : ptr_(raw) {
    if (ptr_ && add_ref)
      intrusive_ptr_add_ref(ptr_);
  }
  intrusive_ptr(const intrusive_ptr& other) noexcept : intrusive_ptr(other.ptr_) {}
  intrusive_ptr(intrusive_ptr&& other) noexcept : ptr_(other.release()) {}
  template <class U>
    requires std::is_convertible_v<U*, T*>
  intrusive_ptr(intrusive_ptr<U> other) noexcept : ptr_(other.release()) {} // NOLINT
  ~intrusive_ptr() {
    if (ptr_)
      intrusive_ptr_release(ptr_);
  }
  intrusive_ptr& operator=(intrusive_ptr other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }

  /// Gives up ownership without touching the count.
  T* release() noexcept { return std::exchange(ptr_, nullptr); }
  void reset() noexcept { intrusive_ptr{}.swap(*this); }
  void swap(intrusive_ptr& other) noexcept { std::swap(ptr_, other.ptr_); }

  T* get() const noexcept { return ptr_; }
  T* operator->() const noexcept { return ptr_; }
  T& operator*() const noexcept { return *ptr_; }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }

  friend bool operator==(const intrusive_ptr& x, const intrusive_ptr& y) noexcept {
    return x.ptr_ == y.ptr_;
  }
  friend bool operator==(const intrusive_ptr& x, std::nullptr_t) noexcept {
    return x.ptr_ == nullptr;
  }

private:
  T* ptr_ = nullptr;
};

} // namespace ringactor
