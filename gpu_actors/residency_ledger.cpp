// ringactor: per-device residency accounting (residency_ledger.hpp).
#include "ringactor/gpu/detail/residency_ledger.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace ringactor::detail {

std::uint32_t max_resident_grids(int major, int minor) noexcept {
  // The CUDA programming guide, "Features and Technical Specifications",
  // maximum number of resident grids per device (concurrent kernels).
  if (major >= 7)
    return minor == 2 && major == 7 ? 16 : 128; // 7.2 (Xavier) 16; 7.0 to 12.x 128
  if (major == 6)
    return minor == 0 ? 128 : minor == 1 ? 32 : 16;
  if (major == 5)
    return minor == 3 ? 16 : 32;
  return 16;
}

// -- ticket -----------------------------------------------------------------------------

residency_ledger::ticket::ticket(ticket&& other) noexcept
  : ledger_(std::exchange(other.ledger_, nullptr)), device_(other.device_), units_(other.units_) {}

residency_ledger::ticket& residency_ledger::ticket::operator=(ticket&& other) noexcept {
  if (this != &other) {
    reset();
    ledger_ = std::exchange(other.ledger_, nullptr);
    device_ = other.device_;
    units_ = other.units_;
  }
  return *this;
}

void residency_ledger::ticket::reset() noexcept {
  if (auto* ledger = std::exchange(ledger_, nullptr))
    ledger->release(device_, units_);
}

// -- residency_ledger -------------------------------------------------------------------

namespace {

std::uint32_t clamp_per_sm(std::uint32_t blocks_per_sm) noexcept {
  return std::min(blocks_per_sm, residency_ledger::max_blocks_per_sm);
}

} // namespace

residency_ledger::admission residency_ledger::admit(int device, const device_capacity& capacity,
                                                    const grid_demand& demand) {
  if (demand.blocks == 0)
    return {{}, "a grid needs at least one block"};
  if (demand.blocks_per_sm == 0)
    return {{},
            fmt::format("not one block of this kernel fits on a multiprocessor of device {} "
                        "(the occupancy query says 0 for its block size and shared memory)",
                        device)};
  auto per_sm = clamp_per_sm(demand.blocks_per_sm);
  auto block_units = sm_units / per_sm;
  std::lock_guard guard{mutex_};
  auto& use = used_[device];
  auto total = sm_units * capacity.multiprocessors;
  auto free_units = total > use.units ? total - use.units : 0;
  auto room = free_units / block_units;
  if (use.grids >= capacity.max_grids)
    return {{},
            fmt::format("device {} already runs {} persistent kernels, the most it admits at "
                        "once; {} blocks of this kernel would be free, it needs {}",
                        device, use.grids, room, demand.blocks)};
  if (room < demand.blocks)
    return {{},
            fmt::format("device {} has room for {} more blocks of this kernel ({} per "
                        "multiprocessor, {} multiprocessors, {} persistent kernels running); "
                        "its grid needs {}",
                        device, room, per_sm, capacity.multiprocessors, use.grids, demand.blocks)};
  auto units = block_units * demand.blocks; // <= free_units: no overflow
  use.units += units;
  ++use.grids;
  return {ticket{this, device, units}, {}};
}

void residency_ledger::release(int device, std::uint64_t units) noexcept {
  std::lock_guard guard{mutex_};
  auto i = used_.find(device);
  if (i == used_.end())
    return;
  i->second.units -= std::min(units, i->second.units);
  if (i->second.grids > 0)
    --i->second.grids;
}

std::uint64_t residency_ledger::free_blocks(int device, const device_capacity& capacity,
                                            std::uint32_t blocks_per_sm) const {
  if (blocks_per_sm == 0)
    return 0;
  std::lock_guard guard{mutex_};
  auto i = used_.find(device);
  std::uint64_t used = i == used_.end() ? 0 : i->second.units;
  auto total = sm_units * capacity.multiprocessors;
  return (total > used ? total - used : 0) / (sm_units / clamp_per_sm(blocks_per_sm));
}

std::uint32_t residency_ledger::running_grids(int device) const {
  std::lock_guard guard{mutex_};
  auto i = used_.find(device);
  return i == used_.end() ? 0 : i->second.grids;
}

residency_ledger& residency_ledger::instance() {
  static auto* ledger = new residency_ledger;
  return *ledger;
}

} // namespace ringactor::detail
