// ringactor: the gpu error category, and the errors requests and monitors
// of a kernel actor get for what its kernel reported.
#include "ringactor/gpu/errors.hpp"
#include "ringactor/wire_error.hpp"

#include <string>

#include <fmt/format.h>

#include "ringactor/gpu/detail/kernel_session.hpp"

namespace ringactor {

namespace {

class gpu_error_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gpu"; }
  std::string message(int code) const override {
    switch (static_cast<gpu_error>(code)) {
      case gpu_error::kernel_fault: return "the kernel faulted";
      case gpu_error::kernel_stalled:
        return "the kernel stopped making progress (its heartbeat stood still, or a launch "
               "outlived stall_timeout)";
      case gpu_error::buffer_released: return "a device_buffer was used after its release";
      case gpu_error::device_lost:
        return "the CUDA device is lost (a sticky error corrupted its context)";
      case gpu_error::not_resident:
        return "the kernel could not become resident on its device (no room beside the kernels "
               "running there, or it never started)";
    }
    return "unknown gpu error";
  }
};

} // namespace

const std::error_category& gpu_category() noexcept {
  static const gpu_error_category instance;
  return instance;
}

namespace {
// A decoded error of this category finds it by name (ringactor/wire_error.hpp).
[[maybe_unused]] const bool gpu_category_registered = ::ringactor::wire::register_error_category(
  gpu_category());
} // namespace

namespace detail {

error to_error(kernel_error x) {
  switch (x) {
    case kernel_error::handler_fault: return error{gpu_error::kernel_fault, describe(x)};
    case kernel_error::reply_too_large: return error{sec::message_too_large, describe(x)};
    case kernel_error::unknown_message:
    case kernel_error::malformed_message: return error{sec::unexpected_message, describe(x)};
    case kernel_error::none: break;
  }
  return error{sec::runtime_error, describe(x)};
}

error kernel_fault_error(control_block_ref cb) {
  if (cb.state() != kernel_state::faulted)
    return error{gpu_error::kernel_fault, "the kernel faulted"};
  // Both published by the release store of state = faulted, loaded above.
  auto code = static_cast<kernel_error>(cb.error_code());
  if (code == kernel_error::handler_fault)
    return error{gpu_error::kernel_fault,
                 fmt::format("{}: fault code {}", describe(code), cb.fault_detail())};
  return error{gpu_error::kernel_fault,
               fmt::format("{} (kernel error {})", describe(code), static_cast<unsigned>(code))};
}

} // namespace detail

} // namespace ringactor
