// ringactor: the host side of kernel snapshots: reading a snapshot area, and
// the store that outlives the kernels publishing into it.
#include "ringactor/gpu/snapshot_store.hpp"

#include <string>
#include <thread>

namespace ringactor {

namespace detail {

// -- snapshot_area_ref: the reader ---------------------------------------------------

std::uint64_t snapshot_area_ref::try_read(std::uint32_t slot, std::uint64_t* words) const noexcept {
  auto& seq = sequence(slot);
  // Pairs with the writer's release store of the even (complete) sequence:
  // seeing 2k, the copy below sees snapshot k's data stores, or later ones.
  auto before = dev::atomic_load(seq, mem_order::acquire);
  if (before == 0 || before % 2 != 0)
    return 0; // never written, or being written
  const auto* data = data_words(slot);
  const std::uint32_t n = 1 + (size() + 7) / 8;
  // Acquire: pairs with the writer's release data store (host) or release
  // fence after its odd store (device). If the copy read any word of a later
  // write, the reload below (ordered after these loads) sees that write's odd
  // sequence or a later value, and the copy is discarded.
  for (std::uint32_t i = 0; i < n; ++i)
    words[i] = dev::atomic_load(data[i], mem_order::acquire);
  auto after = dev::atomic_load(seq, mem_order::relaxed);
  return after == before ? before : 0;
}

bool snapshot_area_ref::read_latest(void* dst, std::uint64_t& number,
                                    std::uint64_t& messages) const noexcept {
  std::uint64_t words[1 + max_snapshot_size / 8];
  for (std::uint32_t attempt = 0;; ++attempt) {
    // A first look (relaxed: it only picks the order; try_read validates).
    // The slot with the larger sequence is the newer one: try it first, so
    // that the result is the latest complete snapshot at some instant of the
    // read. When the newer slot is being rewritten, the other one holds the
    // snapshot completed just before that rewrite began (or a later one).
    auto s0 = dev::atomic_load(sequence(0), mem_order::relaxed);
    auto s1 = dev::atomic_load(sequence(1), mem_order::relaxed);
    const std::uint32_t newer = s0 > s1 ? 0 : 1;
    for (std::uint32_t slot : {newer, 1 - newer}) {
      if (auto seq = try_read(slot, words); seq != 0) {
        number = seq / 2;
        messages = words[0];
        std::memcpy(dst, &words[1], size());
        return true;
      }
    }
    // Nothing complete yet (never written, or the first write is in progress
    // or died half way), or the writer rewrote both slots during this read:
    // only the latter is worth another try.
    if ((s0 == 0 || s1 == 0) && (s0 + s1) % 2 != 0)
      return false;
    if (s0 == 0 && s1 == 0)
      return false;
    if (attempt >= 16)
      std::this_thread::yield();
  }
}

// -- snapshot_memory ---------------------------------------------------------------

snapshot_memory::snapshot_memory(shared_region region, std::uint32_t size, std::uint32_t interval)
  : region_(std::move(region)) {
  if (!region_ || region_.size() < snapshot_area_ref::bytes_for(size) || size > max_snapshot_size)
    throw std::invalid_argument("ringactor: a snapshot area of this size needs "
                                + std::to_string(snapshot_area_ref::bytes_for(size))
                                + " bytes of shared memory");
  host_view().format(size, interval);
}

} // namespace detail

// -- kernel_snapshot_store_base ----------------------------------------------------------

bool kernel_snapshot_store_base::read_area(void* dst, std::uint64_t& messages) const {
  std::uint64_t number = 0;
  return area_ && area_->host_view().read_latest(dst, number, messages);
}

bool kernel_snapshot_store_base::latest_bytes(void* dst, std::uint64_t& messages,
                                              std::uint64_t& kernel) const {
  std::lock_guard guard{mutex_};
  if (read_area(dst, messages)) {
    kernel = kernels_;
    return true;
  }
  if (kept_.empty())
    return false;
  std::memcpy(dst, kept_.data(), size_);
  messages = kept_messages_;
  kernel = kept_kernel_;
  return true;
}

bool kernel_snapshot_store_base::attach(std::shared_ptr<const detail::snapshot_memory> area,
                                        void* seed) {
  std::lock_guard guard{mutex_};
  std::vector<std::byte> latest(size_);
  std::uint64_t messages = 0;
  if (read_area(latest.data(), messages)) {
    kept_ = std::move(latest);
    kept_messages_ = messages;
    kept_kernel_ = kernels_;
  }
  area_ = std::move(area);
  ++kernels_;
  if (kept_.empty())
    return false;
  std::memcpy(seed, kept_.data(), size_);
  return true;
}

void kernel_snapshot_store_base::save_bytes(const void* src) {
  std::lock_guard guard{mutex_};
  area_.reset();
  kept_.assign(static_cast<const std::byte*>(src), static_cast<const std::byte*>(src) + size_);
  kept_messages_ = 0;
  kept_kernel_ = 0;
}

void kernel_snapshot_store_base::clear() {
  std::lock_guard guard{mutex_};
  area_.reset();
  kept_.clear();
  kept_messages_ = 0;
  kept_kernel_ = 0;
}

} // namespace ringactor
