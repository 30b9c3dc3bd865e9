// ringactor: the CUDA backend's entry points in a build without CUDA
// (meson -Dcuda=disabled, or no nvcc found): each reports that it is missing.
#include "ringactor/gpu/cuda_backend.hpp"

namespace ringactor {

namespace {

[[noreturn]] void missing() {
  throw cuda_error("ringactor: this build has no CUDA backend (configure with -Dcuda=enabled "
                   "on a machine with nvcc)");
}

} // namespace

namespace detail {

void register_cuda_kernel(cuda_kernel_entry&) noexcept {}

} // namespace detail

bool cuda_backend_compiled() noexcept {
  return false;
}

int cuda_device_count() noexcept {
  return 0;
}

shared_region allocate_mapped(std::size_t) {
  missing();
}

bool cuda_memory_pools(int) noexcept {
  return false;
}

shared_region allocate_device(std::size_t, int) {
  missing();
}

void copy_host_to_device(std::byte*, const void*, std::size_t) {
  missing();
}

void copy_device_to_host(void*, const std::byte*, std::size_t) {
  missing();
}

struct cuda_kernel_runner::impl {};

cuda_kernel_runner::cuda_kernel_runner(const detail::cuda_kernel_entry&, const void*,
                                       kernel_channel&, const cuda_kernel_options&) {
  missing();
}
cuda_kernel_runner::cuda_kernel_runner(cuda_kernel_runner&&) noexcept = default;
cuda_kernel_runner& cuda_kernel_runner::operator=(cuda_kernel_runner&&) noexcept = default;
cuda_kernel_runner::~cuda_kernel_runner() = default;

void cuda_kernel_runner::start() {
  missing();
}
void cuda_kernel_runner::launch() {
  missing();
}
bool cuda_kernel_runner::launch_for(std::chrono::nanoseconds) {
  missing();
}
cuda_kernel_runner::status cuda_kernel_runner::poll() {
  missing();
}
const std::string& cuda_kernel_runner::fault_message() const noexcept {
  static const std::string none;
  return none;
}
cuda_kernel_runner::status cuda_kernel_runner::join(std::chrono::nanoseconds) {
  missing();
}
void cuda_kernel_runner::read_state(void*) {
  missing();
}

} // namespace ringactor
