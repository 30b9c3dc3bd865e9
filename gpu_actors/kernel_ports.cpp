// ringactor: the registry of kernel K2K ports.
#include "ringactor/gpu/kernel_ports.hpp"

#include <mutex>
#include <unordered_map>
#include <utility>

#include "ringactor/gpu/cuda_backend.hpp"

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
                          std::vector<type_id_t> outputs) {
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

shared_region allocate_k2k_channel(kernel_backend backend, std::size_t bytes) {
  if (backend == kernel_backend::cuda)
    return allocate_mapped(bytes);
  return shared_region::allocate_host(bytes);
}

} // namespace ringactor
