// ringactor: kernel_channel and host shared regions.
#include "ringactor/gpu/channel.hpp"

#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>

namespace ringactor {

namespace detail {

aligned_bytes allocate_aligned(std::size_t size) {
  // Rounding up must not wrap around to a small block.
  if (size > std::numeric_limits<std::size_t>::max() - 63)
    throw std::bad_alloc{};
  size = (size + 63) / 64 * 64;
  aligned_bytes result{static_cast<std::byte*>(::operator new[](size, std::align_val_t{64}))};
  std::memset(result.get(), 0, size);
  return result;
}

namespace {

constexpr std::size_t control_offset = 0;
constexpr std::size_t k2h_doorbell_offset = sizeof(control_block);
constexpr std::size_t k2k_port_offset = k2h_doorbell_offset + 64;
constexpr std::size_t h2k_offset = k2k_port_offset + sizeof(k2k_port);

std::size_t k2h_offset(const channel_geometry& g) noexcept {
  return h2k_offset + ring_view::bytes_for(g.h2k_capacity, g.slot_size);
}

} // namespace

} // namespace detail

shared_region shared_region::allocate_host(std::size_t size) {
  auto bytes = detail::allocate_aligned(size);
  auto* ptr = bytes.release();
  return shared_region{
    ptr, ptr, size, [](void*, std::byte* host) noexcept { detail::aligned_free{}(host); }, nullptr};
}

std::size_t kernel_channel::bytes_for(const channel_geometry& g) noexcept {
  return detail::k2h_offset(g) + ring_view::bytes_for(g.k2h_capacity, g.slot_size);
}

kernel_channel::kernel_channel(const channel_geometry& g, shared_region memory)
  : geometry_(g), memory_(std::move(memory)) {
  if (!g.valid())
    throw std::invalid_argument(
      "ringactor: ring capacities must be powers of two >= 2 and the slot size a multiple "
      "of 64 bytes, at least 128");
  if (!memory_ || memory_.size() < bytes_for(g))
    throw std::invalid_argument("ringactor: a channel of this geometry needs "
                                + std::to_string(bytes_for(g)) + " bytes of shared memory");
  auto* base = memory_.host();
  // Formatting happens before the kernel exists: plain writes suffice.
  control_ = new (base + detail::control_offset) control_block{};
  k2h_doorbell_ = new (base + detail::k2h_doorbell_offset) doorbell{};
  k2k_port_ = new (base + detail::k2k_port_offset) k2k_port{};
  ring_view h2k{base + detail::h2k_offset, g.h2k_capacity, g.slot_size};
  ring_view k2h{base + detail::k2h_offset(g), g.k2h_capacity, g.slot_size};
  h2k.format();
  k2h.format();
  h2k_ = ring_producer{h2k};
  k2h_ = ring_consumer{k2h};
}

k2k_port* kernel_channel::k2k_port_device() const noexcept {
  return reinterpret_cast<k2k_port*>(memory_.device() + detail::k2k_port_offset);
}

kernel_params kernel_channel::device_params() const noexcept {
  auto* base = memory_.device();
  kernel_params p;
  p.control = reinterpret_cast<control_block*>(base + detail::control_offset);
  p.k2h_doorbell = reinterpret_cast<doorbell*>(base + detail::k2h_doorbell_offset);
  p.k2k = k2k_port_device();
  p.h2k = h2k_.ring().rebased(base, detail::h2k_offset);
  p.k2h = k2h_.ring().rebased(base, detail::k2h_offset(geometry_));
  p.snapshot = snapshot_device_;
  return p;
}

} // namespace ringactor
