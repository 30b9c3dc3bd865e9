// ringactor: the registry that detects uses of released device buffers, and
// buffer memory.
#include "ringactor/gpu/device_buffer.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include <ringactor/logger.hpp>

#include "ringactor/gpu/cuda_backend.hpp"

namespace ringactor {

namespace {

struct buffer_registry {
  /// Generations, one per slot. Bumped with release by release_buffer_slot();
  /// live() loads them with acquire. Odd: a buffer holds the slot.
  std::array<std::atomic<std::uint32_t>, detail::buffer_registry_size> generations{};
  std::mutex mutex; // guards free_slots and next
  std::vector<std::uint32_t> free_slots;
  std::uint32_t next = 0;
  std::atomic<std::uint64_t> misuses{0};
};

buffer_registry& registry() {
  static buffer_registry instance;
  return instance;
}

} // namespace

std::uint64_t released_buffer_uses() noexcept {
  return registry().misuses.load(std::memory_order_relaxed);
}

namespace detail {

std::uint32_t buffer_generation(std::uint32_t slot) noexcept {
  // Pairs with the release increment in release_buffer_slot().
  return registry().generations[slot].load(std::memory_order_acquire);
}

void report_released_buffer_use(std::uint32_t slot, std::uint32_t generation) noexcept {
  registry().misuses.fetch_add(1, std::memory_order_relaxed);
  log_error("use of a released device_buffer (registry slot {}, generation {})", slot, generation);
}

std::pair<std::uint32_t, std::uint32_t> acquire_buffer_slot() noexcept {
  auto& r = registry();
  std::uint32_t slot = unchecked_buffer;
  {
    std::lock_guard guard{r.mutex};
    if (!r.free_slots.empty()) {
      slot = r.free_slots.back();
      r.free_slots.pop_back();
    } else if (r.next < buffer_registry_size) {
      slot = r.next++;
    }
  }
  if (slot == unchecked_buffer)
    return {slot, 0};
  // Even -> odd: the slot is taken. Only its owner writes it.
  auto gen = r.generations[slot].fetch_add(1, std::memory_order_acq_rel) + 1;
  return {slot, gen};
}

void release_buffer_slot(std::uint32_t slot) noexcept {
  auto& r = registry();
  // Pairs with the acquire load in buffer_generation(): a handle that sees
  // the new generation is dead.
  r.generations[slot].fetch_add(1, std::memory_order_release);
  std::lock_guard guard{r.mutex};
  r.free_slots.push_back(slot);
}

shared_region allocate_buffer_memory(kernel_backend backend, int device, std::size_t bytes) {
  if (backend == kernel_backend::automatic)
    backend = cuda_backend_compiled() && cuda_device_count() > 0 ? kernel_backend::cuda
                                                                 : kernel_backend::cpu;
  if (backend == kernel_backend::cuda)
    return allocate_device(bytes, device);
  return shared_region::allocate_host(bytes);
}

namespace {

/// The context of an adopted region: the caller's release function.
using adopted_release = std::function<void()>;

void release_adopted(void* context, std::byte*) noexcept {
  std::unique_ptr<adopted_release> release{static_cast<adopted_release*>(context)};
  if (*release)
    (*release)();
}

/// Runs `release` when it goes out of scope, unless disarmed (a refusal or
/// a failed copy still gives the caller's memory back, exactly once).
struct release_guard {
  adopted_release* release;
  ~release_guard() {
    if (release != nullptr && *release)
      (*release)();
  }
};

} // namespace

shared_region adopt_host_memory(kernel_backend backend, int device, std::byte* data,
                                std::size_t bytes, std::size_t align,
                                std::function<void()> release) {
  release_guard guard{&release};
  if (data == nullptr)
    throw std::invalid_argument("ringactor: adopt_host needs memory: the pointer is null");
  if (reinterpret_cast<std::uintptr_t>(data) % align != 0)
    throw std::invalid_argument(fmt::format("ringactor: adopt_host: the pointer {} is not "
                                            "aligned to its element ({} bytes)",
                                            static_cast<const void*>(data), align));
  if (backend == kernel_backend::automatic)
    backend = cuda_backend_compiled() && cuda_device_count() > 0 ? kernel_backend::cuda
                                                                 : kernel_backend::cpu;
  if (backend == kernel_backend::cuda) {
    // One copy into device memory; the caller's memory is not needed after.
    auto region = allocate_device(std::max<std::size_t>(bytes, 1), device);
    if (bytes > 0)
      copy_host_to_device(region.device(), data, bytes);
    return region; // the guard runs `release` now
  }
  auto context = std::make_unique<adopted_release>(std::move(release));
  guard.release = nullptr; // the region runs it from now on
  return shared_region{data, data, bytes, &release_adopted, context.release()};
}

void copy_buffer_in(const shared_region& memory, buffer_bytes range, const void* src) {
  if (range.size == 0)
    return;
  if (memory.host() != nullptr)
    std::memcpy(memory.host() + range.offset, src, range.size);
  else
    copy_host_to_device(memory.device() + range.offset, src, range.size);
}

void copy_buffer_out(const shared_region& memory, buffer_bytes range, void* dst) {
  if (range.size == 0)
    return;
  if (memory.host() != nullptr)
    std::memcpy(dst, memory.host() + range.offset, range.size);
  else
    copy_device_to_host(dst, memory.device() + range.offset, range.size);
}

void throw_buffer_range(std::uint64_t offset, std::uint64_t n, std::uint64_t size) {
  throw std::out_of_range(fmt::format("ringactor: device_buffer copy of {} elements at {} "
                                      "is outside a buffer of {} (or a released one)",
                                      n, offset, size));
}

} // namespace detail

} // namespace ringactor
