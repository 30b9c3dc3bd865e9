// ringactor: the registry of kernel K2K ports.
#include "ringactor/gpu/kernel_ports.hpp"

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "ringactor/gpu/cuda_backend.hpp"
#include "ringactor/gpu/k2k_port.hpp"

namespace ringactor {

namespace {

struct port_record {
  std::weak_ptr<void> session;
  kernel_port_info info; // without keepalive
  const void* owner = nullptr;
};

struct port_registry {
  std::mutex mutex;
  std::unordered_map<actor_id, port_record> records; // guarded by mutex
};

port_registry& registry() {
  static port_registry instance;
  return instance;
}

} // namespace

namespace detail {

void register_kernel_port(actor_id id, const std::shared_ptr<void>& session,
                          kernel_channel& channel, kernel_backend backend, int device,
                          loop_mode mode, std::vector<type_id_t> inputs,
                          std::vector<type_id_t> outputs, const std::atomic<bool>* loop_ended) {
  auto& reg = registry();
  std::lock_guard guard{reg.mutex};
  // Kernels that are gone leave expired records behind: drop them here, so
  // that the registry holds about as many records as there are kernels.
  std::erase_if(reg.records, [](const auto& x) { return x.second.session.expired(); });
  port_record rec;
  rec.session = session;
  rec.info.channel = &channel;
  rec.info.backend = backend;
  rec.info.device = device;
  rec.info.mode = mode;
  rec.info.inputs = std::move(inputs);
  rec.info.outputs = std::move(outputs);
  rec.info.loop_ended = loop_ended;
  reg.records.insert_or_assign(id, std::move(rec));
}

} // namespace detail

std::optional<kernel_port_info> claim_kernel_port(actor_id id, const void* owner) {
  auto& reg = registry();
  std::lock_guard guard{reg.mutex};
  auto i = reg.records.find(id);
  if (i == reg.records.end())
    return std::nullopt;
  auto& rec = i->second;
  auto session = rec.session.lock();
  if (!session || (rec.owner != nullptr && rec.owner != owner))
    return std::nullopt;
  rec.owner = owner;
  auto out = rec.info;
  out.keepalive = std::move(session);
  return out;
}

void release_kernel_port(actor_id id, const void* owner) noexcept {
  auto& reg = registry();
  std::lock_guard guard{reg.mutex};
  auto i = reg.records.find(id);
  if (i != reg.records.end() && i->second.owner == owner)
    i->second.owner = nullptr;
}

void abandon_kernel_port(actor_id id, const void* owner) noexcept {
  // An owner that no caller can be: the port stays claimed by it for good.
  static const char abandoned = 0;
  auto& reg = registry();
  std::lock_guard guard{reg.mutex};
  auto i = reg.records.find(id);
  if (i != reg.records.end() && i->second.owner == owner)
    i->second.owner = &abandoned;
}

shared_region allocate_k2k_channel(kernel_backend backend, int device, std::size_t bytes) {
  if (backend == kernel_backend::cuda) {
    // Freed while kernels run: without memory pools that would be cudaFree,
    // which waits for every running kernel. Mapped memory never is.
    if (cuda_memory_pools(device))
      return allocate_device(bytes, device);
    return allocate_mapped(bytes);
  }
  return shared_region::allocate_host(bytes);
}

void write_k2k_channel(const shared_region& channel, std::size_t offset, const void* src,
                       std::size_t n) {
  if (offset > channel.size() || n > channel.size() - offset)
    throw std::out_of_range(fmt::format("ringactor: a write of {} bytes at {} into a device "
                                        "channel of {} bytes",
                                        n, offset, channel.size()));
  if (n == 0)
    return;
  if (channel.host() != nullptr)
    std::memcpy(channel.host() + offset, src, n);
  else
    copy_host_to_device(channel.device() + offset, src, n);
}

k2k_channel_counters read_k2k_channel_counters(const shared_region& channel) {
  k2k_channel_counters out;
  if (channel.size() < sizeof(k2k_channel_header))
    throw std::out_of_range("ringactor: a device channel without a header");
  if (channel.host() != nullptr) {
    // Relaxed: statistics; each counter has a single writer (a kernel's
    // leader), whose relaxed stores these loads read.
    const auto& h = *reinterpret_cast<const k2k_channel_header*>(channel.host());
    out.produced = dev::atomic_load(h.produced, mem_order::relaxed);
    out.consumed = dev::atomic_load(h.consumed, mem_order::relaxed);
    out.queue_full = dev::atomic_load(h.queue_full, mem_order::relaxed);
    return out;
  }
  // Device memory: a copy of the header. The kernels write each counter as
  // one aligned 8-byte store, which the copy does not tear.
  k2k_channel_header h;
  copy_device_to_host(&h, channel.device(), sizeof h);
  out.produced = h.produced;
  out.consumed = h.consumed;
  out.queue_full = h.queue_full;
  return out;
}

} // namespace ringactor
