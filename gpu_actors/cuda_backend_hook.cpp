// ringactor: the entry points of cuda_backend.hpp in the core library. Each
// forwards to the CUDA backend that libringactor-cuda installs when the
// program links it (cuda_provider.hpp), or, without it, reports what to link.
#include <atomic>
#include <utility>

#include "cuda_provider.hpp"
#include "ringactor/gpu/cuda_backend.hpp"

namespace ringactor {

namespace {

/// The installed backend, null until libringactor-cuda's static initializer
/// runs. Its store (release, in install_cuda_backend) pairs with the acquire
/// loads below, so a reader that sees the pointer sees the provider's fields.
/// Constant-initialized: no static initialization order to lose against.
constinit std::atomic<const detail::cuda_backend_provider*> installed_provider{nullptr};

const detail::cuda_backend_provider* provider() noexcept {
  return installed_provider.load(std::memory_order_acquire);
}

const detail::cuda_backend_provider& required_provider() {
  auto* p = provider();
  if (p == nullptr)
    detail::throw_cuda_backend_missing();
  return *p;
}

} // namespace

namespace detail {

void install_cuda_backend(const cuda_backend_provider& p) noexcept {
  installed_provider.store(&p, std::memory_order_release);
}

const cuda_backend_provider* exchange_cuda_backend(const cuda_backend_provider* p) noexcept {
  // Release and acquire: as install_cuda_backend() and provider().
  return installed_provider.exchange(p, std::memory_order_acq_rel);
}

void throw_cuda_backend_missing() {
  throw cuda_error("ringactor: the CUDA backend is not linked into this program: link "
                   "libringactor-cuda (pkg-config --libs ringactor-cuda), which a ringactor "
                   "built with CUDA (nvcc found, -Dcuda=enabled) installs");
}

} // namespace detail

bool cuda_backend_compiled() noexcept {
  return provider() != nullptr;
}

int cuda_device_count() noexcept {
  auto* p = provider();
  return p == nullptr ? 0 : p->device_count();
}

shared_region allocate_mapped(std::size_t size) {
  return required_provider().allocate_mapped(size);
}

bool cuda_memory_pools(int device) noexcept {
  auto* p = provider();
  return p != nullptr && p->memory_pools(device);
}

shared_region allocate_device(std::size_t size, int device) {
  return required_provider().allocate_device(size, device);
}

void copy_host_to_device(std::byte* device_dst, const void* host_src, std::size_t bytes) {
  required_provider().copy_host_to_device(device_dst, host_src, bytes);
}

void copy_device_to_host(void* host_dst, const std::byte* device_src, std::size_t bytes) {
  required_provider().copy_device_to_host(host_dst, device_src, bytes);
}

// -- cuda_kernel_runner -------------------------------------------------------

cuda_kernel_runner::cuda_kernel_runner(const detail::cuda_kernel_entry& entry,
                                       const void* kernel_state, kernel_channel& channel,
                                       const cuda_kernel_options& options)
  : impl_(required_provider().make_runner(entry, kernel_state, channel, options)) {}

cuda_kernel_runner::cuda_kernel_runner(cuda_kernel_runner&&) noexcept = default;
cuda_kernel_runner& cuda_kernel_runner::operator=(cuda_kernel_runner&&) noexcept = default;
cuda_kernel_runner::~cuda_kernel_runner() = default;

void cuda_kernel_runner::start() {
  impl_->start();
}

void cuda_kernel_runner::launch() {
  impl_->launch();
}

bool cuda_kernel_runner::launch_for(std::chrono::nanoseconds timeout) {
  return impl_->launch_for(timeout);
}

cuda_kernel_runner::status cuda_kernel_runner::poll() {
  return impl_->poll();
}

const std::string& cuda_kernel_runner::fault_message() const noexcept {
  return impl_->fault_message();
}

int cuda_kernel_runner::fault_code() const noexcept {
  return impl_->fault_code();
}

cuda_kernel_runner::status cuda_kernel_runner::join(std::chrono::nanoseconds timeout) {
  return impl_->join(timeout);
}

void cuda_kernel_runner::read_state(void* dst) {
  impl_->read_state(dst);
}

} // namespace ringactor
