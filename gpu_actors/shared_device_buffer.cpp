// The parts of shared_device_buffer.hpp that are not templates: the
// thread's buffer carrier, and the copies between a buffer's memory and the
// host memory of a frame, staged through pinned host memory for device
// memory.
#include "ringactor/gpu/shared_device_buffer.hpp"

#include <algorithm>
#include <cstring>

#include "ringactor/gpu/cuda_backend.hpp"

namespace ringactor::detail {

namespace {

/// The largest piece of device memory staged at once: the pinned staging
/// buffer's size (from the backend's pool, so its allocation is cheap after
/// the first).
constexpr std::size_t staging_chunk = std::size_t{4} << 20;

} // namespace

buffer_carrier*& buffer_carrier::slot() noexcept {
  // Each thread its own: a node encodes and decodes on its own threads,
  // and a carrier is in scope only for one call.
  thread_local buffer_carrier* current = nullptr;
  return current;
}

buffer_carrier* buffer_carrier::current() noexcept {
  return slot();
}

void read_buffer_bytes(const std::byte* host, const std::byte* device, std::size_t bytes,
                       std::byte* dst) {
  if (bytes == 0)
    return;
  if (host != nullptr) {
    std::memcpy(dst, host, bytes);
    return;
  }
  // Device memory (CUDA): the copy lands in pinned memory, which the device
  // reaches at full speed, then in the frame (pageable memory, which a
  // direct cudaMemcpy would stage through the driver's own buffer anyway).
  auto stage = allocate_mapped(std::min(bytes, staging_chunk));
  for (std::size_t done = 0; done < bytes;) {
    auto n = std::min(bytes - done, staging_chunk);
    copy_device_to_host(stage.host(), device + done, n);
    std::memcpy(dst + done, stage.host(), n);
    done += n;
  }
}

void write_buffer_bytes(std::byte* host, std::byte* device, std::size_t bytes,
                        const std::byte* src) {
  if (bytes == 0)
    return;
  if (host != nullptr) {
    std::memcpy(host, src, bytes);
    return;
  }
  auto stage = allocate_mapped(std::min(bytes, staging_chunk));
  for (std::size_t done = 0; done < bytes;) {
    auto n = std::min(bytes - done, staging_chunk);
    std::memcpy(stage.host(), src + done, n);
    copy_host_to_device(device + done, stage.host(), n);
    done += n;
  }
}

} // namespace ringactor::detail
