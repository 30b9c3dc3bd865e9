// ringactor remote: spare frame buffers. A frame of 16 KiB or more costs an
// allocation of its size when it is built and a free when UCX is done with
// it; glibc gives such memory back to the kernel once enough of it is free
// at the top of its heap, and the next frame faults it in again, page by
// page (a profile of 64-KiB messages between two processes had page faults
// and page clearing under the frame copies). The transport puts the vector of each
// large frame it finished sending here, and whoever builds frames takes
// one: the frame is written into memory already mapped.
//
//   auto spare = std::make_shared<remote::frame_buffers>();
//   transport_config cfg;
//   cfg.spare_buffers = spare;            // the transport gives back
//   std::vector<std::byte> frame = spare->take();   // empty, maybe with capacity
//
// Bounded: at most `max_kept` vectors, each of a capacity between
// `min_capacity` and `max_capacity`; others are freed as usual. Any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace ringactor::remote {

class frame_buffers {
public:
  /// Smaller vectors are not kept: malloc serves them from its bins
  /// without a page fault, and small frames go out in batches whose
  /// vectors are freed when they are packed.
  static constexpr std::size_t min_capacity = 16 * 1024;
  static constexpr std::size_t max_capacity = 4 * 1024 * 1024;
  static constexpr std::size_t max_kept = 16;

  frame_buffers() = default;
  frame_buffers(const frame_buffers&) = delete;
  frame_buffers& operator=(const frame_buffers&) = delete;

  /// An empty vector: one given back earlier (its capacity kept), or a new
  /// one when none is kept. The fast path, with nothing kept, reads one
  /// counter.
  std::vector<std::byte> take() {
    if (kept_.load(std::memory_order_relaxed) == 0)
      return {};
    std::lock_guard guard{mtx_};
    if (free_.empty())
      return {};
    auto x = std::move(free_.back());
    free_.pop_back();
    kept_.store(free_.size(), std::memory_order_relaxed);
    reused_.fetch_add(1, std::memory_order_relaxed);
    return x;
  }

  /// Keeps `x`'s memory for a later take() if its capacity is in range and
  /// fewer than max_kept are kept; frees it otherwise.
  void give(std::vector<std::byte>&& x) {
    if (x.capacity() < min_capacity || x.capacity() > max_capacity)
      return;
    x.clear();
    std::lock_guard guard{mtx_};
    if (free_.size() >= max_kept)
      return;
    free_.push_back(std::move(x));
    kept_.store(free_.size(), std::memory_order_relaxed);
  }

  /// How many vectors are kept now.
  std::size_t kept() const noexcept { return kept_.load(std::memory_order_relaxed); }

  /// How many take() calls returned a kept vector.
  std::uint64_t reused() const noexcept { return reused_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::size_t> kept_{0};
  std::atomic<std::uint64_t> reused_{0};
  std::mutex mtx_;
  std::vector<std::vector<std::byte>> free_;
};

} // namespace ringactor::remote
