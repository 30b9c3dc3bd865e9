// ringactor: the backend a spawn_kernel runs on (kernel_config::backend
// resolved against what this process has), and the adapters that put the
// CPU and CUDA runners behind kernel_runner_base.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "ringactor/gpu/cpu_backend.hpp"
#include "ringactor/gpu/cuda_backend.hpp"
#include "ringactor/gpu/detail/kernel_session.hpp"
#include "ringactor/gpu/device_health.hpp"
#include "ringactor/gpu/kernel_config.hpp"

namespace ringactor::detail {

template <class Kernel>
class cpu_runner_adapter final : public kernel_runner_base {
public:
  cpu_runner_adapter(const Kernel& kernel, kernel_channel& ch, const cpu_kernel_options& opts)
    : runner_(kernel, ch, opts), channel_(&ch) {
    runner_.start();
  }
  bool launch(std::chrono::nanoseconds timeout) override { return runner_.launch_for(timeout); }
  bool launch_in_flight() override { return runner_.launch_in_flight(); }
  bool exited(stream_fault&) override {
    auto s = channel_->control().state();
    return s == kernel_state::terminated || s == kernel_state::faulted;
  }
  void abandon() noexcept override { runner_.detach(); }

private:
  cpu_kernel_runner<Kernel> runner_;
  kernel_channel* channel_;
};

class cuda_runner_adapter final : public kernel_runner_base {
public:
  explicit cuda_runner_adapter(cuda_kernel_runner runner) : runner_(std::move(runner)) {}
  bool launch(std::chrono::nanoseconds timeout) override { return runner_.launch_for(timeout); }
  bool launch_in_flight() override { return runner_.poll() == cuda_kernel_runner::status::running; }
  bool exited(stream_fault& fault) override {
    auto s = runner_.poll();
    if (s == cuda_kernel_runner::status::faulted) {
      fault.message = runner_.fault_message();
      fault.code = runner_.fault_code();
      return true;
    }
    return s == cuda_kernel_runner::status::exited;
  }

private:
  cuda_kernel_runner runner_;
};

/// The backend `cfg` asks for, as this process can run it. automatic: CUDA
/// when the backend is linked, Kernel was compiled for it (RINGACTOR_CUDA_
/// KERNEL), cfg.device exists and is not lost; the CPU backend otherwise
/// (so a supervisor's restart after a device loss lands on the CPU). cuda
/// on a lost device: throws cuda_error naming the device and the CUDA error
/// that lost it, before any CUDA call (it would fail the same way).
template <class Kernel>
kernel_backend resolve_backend(const kernel_config& cfg) {
  if (cfg.backend == kernel_backend::cuda && cuda_device_lost(cfg.device))
    throw cuda_error("ringactor: kernel_backend::cuda cannot start a kernel: "
                     + cuda_device_lost_message(cfg.device));
  if (cfg.backend != kernel_backend::automatic)
    return cfg.backend;
  if (cuda_backend_compiled() && cuda_kernel_entry_of<Kernel> != nullptr
      && cfg.device < cuda_device_count() && !cuda_device_lost(cfg.device))
    return kernel_backend::cuda;
  return kernel_backend::cpu;
}

} // namespace ringactor::detail
