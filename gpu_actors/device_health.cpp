// ringactor: the CUDA error classifier and the record of lost devices.
#include "ringactor/gpu/device_health.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include <ringactor/error.hpp>
#include <ringactor/logger.hpp>

#include "ringactor/gpu/errors.hpp"

namespace ringactor {

cuda_error_kind classify_cuda_error(int code) noexcept {
  // The values of cudaError_t (driver_types.h, CUDA 12 and 13; stable across
  // releases). cuda_backend.cu checks each against the toolkit's enum.
  switch (code) {
    case 0: return cuda_error_kind::none;
    case 214: // cudaErrorECCUncorrectable
    case 220: // cudaErrorNvlinkUncorrectable
    case 226: // cudaErrorContained
    case 700: // cudaErrorIllegalAddress
    case 702: // cudaErrorLaunchTimeout
    case 710: // cudaErrorAssert
    case 714: // cudaErrorHardwareStackError
    case 715: // cudaErrorIllegalInstruction
    case 716: // cudaErrorMisalignedAddress
    case 717: // cudaErrorInvalidAddressSpace
    case 718: // cudaErrorInvalidPc
    case 719: // cudaErrorLaunchFailure
    case 721: // cudaErrorTensorMemoryLeak
    case 810: // cudaErrorMpsClientTerminated
    case 911: // cudaErrorExternalDevice
      return cuda_error_kind::sticky;
    default: return cuda_error_kind::soft;
  }
}

namespace {

struct device_health_registry {
  /// Devices marked lost. Incremented (release) under the mutex after the
  /// cause is recorded; the acquire load in cuda_device_lost() skips the
  /// mutex while it reads 0 (no device lost: the common case).
  std::atomic<int> lost_count{0};
  std::mutex mutex;
  std::map<int, std::string> causes; // guarded by mutex
};

device_health_registry& registry() {
  // Never destroyed: sessions may consult it while the process exits.
  static auto* instance = new device_health_registry;
  return *instance;
}

} // namespace

bool cuda_device_lost(int device) noexcept {
  auto& reg = registry();
  // Pairs with the release increment in mark_cuda_device_lost().
  if (reg.lost_count.load(std::memory_order_acquire) == 0)
    return false;
  std::lock_guard guard{reg.mutex};
  return reg.causes.count(device) != 0;
}

std::string cuda_device_lost_message(int device) {
  auto& reg = registry();
  std::lock_guard guard{reg.mutex};
  auto i = reg.causes.find(device);
  if (i == reg.causes.end())
    return {};
  return fmt::format("CUDA device {} is lost ({}); its context is unusable until the process "
                     "exits",
                     device, i->second);
}

error cuda_device_lost_error(int device) {
  auto what = cuda_device_lost_message(device);
  if (what.empty())
    return error{};
  return error{gpu_error::device_lost, std::move(what)};
}

namespace detail {

bool mark_cuda_device_lost(int device, const std::string& cause) {
  auto& reg = registry();
  {
    std::lock_guard guard{reg.mutex};
    if (!reg.causes.emplace(device, cause).second)
      return false;
    // Pairs with the acquire load in cuda_device_lost().
    reg.lost_count.fetch_add(1, std::memory_order_release);
  }
  log_error("CUDA device {} is lost: {}; its kernel actors exit with device_lost, automatic "
            "spawns on it use the CPU backend",
            device, cause);
  return true;
}

void reset_cuda_device_health() noexcept {
  auto& reg = registry();
  std::lock_guard guard{reg.mutex};
  reg.causes.clear();
  reg.lost_count.store(0, std::memory_order_release);
}

} // namespace detail

} // namespace ringactor
