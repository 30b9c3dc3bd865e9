// A simulated CUDA device for tests without a GPU. It installs itself as the
// CUDA backend (cuda_provider.hpp) for its lifetime: cuda_device_count()
// reports its devices, allocate_mapped() hands out host memory, and each
// kernel type given to simulate<Kernel>() "runs on CUDA" as a CPU kernel
// behind a cuda_kernel_runner. inject(device, code) makes the stream of one
// running kernel on `device` report cudaError_t `code` at its next poll,
// as a real stream does after a fault, so that the library's CUDA paths
// (device loss, restarts, K2K teardown) run as they would on a GPU.
//
//   test::simulated_cuda gpu{1};
//   gpu.simulate<my_kernel>();
//   auto k = spawn_kernel<my_if>(sys, my_kernel{}, cfg);   // backend: cuda
//   gpu.inject(0, 700);                                    // cudaErrorIllegalAddress
#pragma once

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/gpu/cpu_backend.hpp>
#include <ringactor/gpu/cuda_backend.hpp>
#include <ringactor/gpu/device_health.hpp>

#include "../gpu_actors/cuda_provider.hpp"

namespace ringactor::test {

class simulated_cuda {
public:
  using status = cuda_kernel_runner::status;

  explicit simulated_cuda(int devices = 1) : devices_(devices) {
    detail::reset_cuda_device_health();
    current() = this;
    previous_ = detail::exchange_cuda_backend(&provider);
  }
  simulated_cuda(const simulated_cuda&) = delete;
  simulated_cuda& operator=(const simulated_cuda&) = delete;
  ~simulated_cuda() {
    detail::exchange_cuda_backend(previous_);
    for (auto& undo : undo_)
      undo();
    current() = nullptr;
    detail::reset_cuda_device_health();
  }

  /// Kernel "runs on CUDA" from now on (until this object goes).
  template <class Kernel>
  void simulate() {
    auto& slot = detail::cuda_kernel_entry_of<Kernel>;
    auto* before = slot;
    slot = &entry_of<Kernel>;
    undo_.push_back([before] { detail::cuda_kernel_entry_of<Kernel> = before; });
  }

  /// The stream of one running kernel on `device` reports `code` at its
  /// next poll (and stays failed). With `corrupts_context` (a sticky error),
  /// every later runner on `device` fails to start with `code`, as CUDA's
  /// cudaStreamCreate and friends do after one; the library is expected to
  /// stop asking (cuda_calls() tells whether it did).
  void inject(int device, int code, bool corrupts_context = true) {
    std::lock_guard guard{mutex_};
    injected_[device].push_back(code);
    if (corrupts_context)
      corrupt_.emplace(device, code);
  }

  /// Calls that a real backend answers with CUDA work on a device:
  /// allocate_mapped and make_runner (cudaHostAlloc, cudaStreamCreate, ...).
  int cuda_calls() const noexcept { return cuda_calls_.load(std::memory_order_relaxed); }

private:
  // -- a kernel behind cuda_runner_ops ------------------------------------------

  class runner_base {
  public:
    virtual ~runner_base() = default;
    virtual bool exited() = 0;
    virtual void read_state(void* dst) = 0;
  };

  template <class Kernel>
  class cpu_runner final : public runner_base {
  public:
    cpu_runner(const void* state, kernel_channel& ch, const cuda_kernel_options& o)
      : channel_(&ch), runner_(*static_cast<const Kernel*>(state), ch, options_of(o)) {
      runner_.start();
    }
    bool exited() override {
      auto s = channel_->control().state();
      return s == kernel_state::terminated || s == kernel_state::faulted;
    }
    void read_state(void* dst) override { std::memcpy(dst, &runner_.kernel(), sizeof(Kernel)); }

  private:
    static cpu_kernel_options options_of(const cuda_kernel_options& o) {
      cpu_kernel_options c;
      c.grid = o.grid;
      c.mode = o.mode;
      c.heartbeat_interval = o.heartbeat_interval;
      return c;
    }
    kernel_channel* channel_;
    cpu_kernel_runner<Kernel> runner_;
  };

  /// What the simulated entry's loop_function points at.
  struct loop_maker {
    std::unique_ptr<runner_base> (*make)(const void* state, kernel_channel&,
                                         const cuda_kernel_options&);
  };

  template <class Kernel>
  static std::unique_ptr<runner_base> make_cpu_runner(const void* state, kernel_channel& ch,
                                                      const cuda_kernel_options& o) {
    return std::make_unique<cpu_runner<Kernel>>(state, ch, o);
  }

  template <class Kernel>
  static inline const loop_maker maker_of{&make_cpu_runner<Kernel>};

  template <class Kernel>
  static inline detail::cuda_kernel_entry entry_of{"simulated", &maker_of<Kernel>, sizeof(Kernel),
                                                   nullptr};

  class ops final : public detail::cuda_runner_ops {
  public:
    ops(const detail::cuda_kernel_entry& e, const void* state, kernel_channel& ch,
        const cuda_kernel_options& o)
      : entry_(&e), state_(state), channel_(&ch), options_(o) {}
    void start() override {
      kernel_ = static_cast<const loop_maker*>(entry_->loop_function)
                  ->make(state_, *channel_, options_);
      last_ = status::running;
    }
    void launch() override { throw cuda_error("simulated_cuda: launch mode is not simulated"); }
    bool launch_for(std::chrono::nanoseconds) override {
      throw cuda_error("simulated_cuda: launch mode is not simulated");
    }
    status poll() override {
      if (last_ != status::running)
        return last_;
      auto* sim = current();
      if (int code = sim != nullptr ? sim->take_injection(options_.device) : 0; code != 0) {
        last_ = status::faulted;
        code_ = code;
        fault_ = "simulated cudaError_t " + std::to_string(code);
        return last_;
      }
      if (kernel_->exited())
        last_ = status::exited;
      return last_;
    }
    const std::string& fault_message() const noexcept override { return fault_; }
    int fault_code() const noexcept override { return code_; }
    status join(std::chrono::nanoseconds timeout) override {
      auto until = std::chrono::steady_clock::now() + timeout;
      while (poll() == status::running && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::microseconds{200});
      return last_;
    }
    void read_state(void* dst) override { kernel_->read_state(dst); }

  private:
    const detail::cuda_kernel_entry* entry_;
    const void* state_;
    kernel_channel* channel_;
    cuda_kernel_options options_;
    std::unique_ptr<runner_base> kernel_;
    status last_ = status::idle;
    std::string fault_;
    int code_ = 0;
  };

  // -- the provider -------------------------------------------------------------

  static simulated_cuda*& current() {
    static simulated_cuda* instance = nullptr;
    return instance;
  }

  int take_injection(int device) {
    std::lock_guard guard{mutex_};
    auto& codes = injected_[device];
    if (codes.empty())
      return 0;
    int code = codes.front();
    codes.erase(codes.begin());
    return code;
  }

  static int device_count() noexcept { return current() != nullptr ? current()->devices_ : 0; }

  /// Host memory that is never freed, as the real backend's mapped pool
  /// never frees: a simulated kernel killed by an injected fault is still a
  /// host thread, which a test's gate may hold and release later, and which
  /// must then not read memory its session gave back.
  static shared_region kept_memory(std::size_t size) {
    current()->cuda_calls_.fetch_add(1, std::memory_order_relaxed);
    auto region = shared_region::allocate_host(size);
    auto* p = region.host();
    struct kept {
      std::mutex mutex;
      std::vector<shared_region> regions;
    };
    static auto* graveyard = new kept; // never destroyed: reachable, not a leak
    {
      std::lock_guard guard{graveyard->mutex};
      graveyard->regions.push_back(std::move(region));
    }
    return shared_region{p, p, size, [](void*, std::byte*) noexcept {}, nullptr};
  }
  static shared_region mapped_memory(std::size_t size) { return kept_memory(size); }
  static bool memory_pools(int) noexcept { return false; }
  static shared_region device_memory_of(std::size_t size, int) { return kept_memory(size); }
  static void copy_to_device(std::byte* dst, const void* src, std::size_t n) {
    std::memcpy(dst, src, n);
  }
  static void copy_to_host(void* dst, const std::byte* src, std::size_t n) {
    std::memcpy(dst, src, n);
  }
  static std::unique_ptr<detail::cuda_runner_ops> make_runner(const detail::cuda_kernel_entry& e,
                                                              const void* state, kernel_channel& ch,
                                                              const cuda_kernel_options& o) {
    auto* sim = current();
    sim->cuda_calls_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard guard{sim->mutex_};
      if (auto i = sim->corrupt_.find(o.device); i != sim->corrupt_.end())
        throw cuda_error("simulated_cuda: cudaStreamCreate failed: cudaError_t "
                         + std::to_string(i->second));
    }
    return std::make_unique<ops>(e, state, ch, o);
  }

  static constexpr detail::cuda_backend_provider provider{
    &device_count,   &mapped_memory, &memory_pools, &device_memory_of,
    &copy_to_device, &copy_to_host,  &make_runner,
  };

  int devices_;
  const detail::cuda_backend_provider* previous_ = nullptr;
  std::vector<std::function<void()>> undo_;
  std::mutex mutex_;
  std::map<int, std::vector<int>> injected_; // guarded by mutex_
  std::map<int, int> corrupt_;               // device -> code; guarded by mutex_
  std::atomic<int> cuda_calls_{0};
};

} // namespace ringactor::test
