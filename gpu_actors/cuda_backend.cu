// ringactor: the CUDA backend's host side, in libringactor-cuda (built only
// when meson finds nvcc). The core library forwards the entry points of
// cuda_backend.hpp here once this library's static initializer has installed
// the provider at the end of this file (cuda_provider.hpp).
#include "ringactor/gpu/cuda_backend.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <cuda_runtime.h>

#include "cuda_provider.hpp"
#include "nvtx_ranges.hpp"
#include "ringactor/gpu/device_health.hpp"
#include "ringactor/gpu/detail/residency_ledger.hpp"
#include "ringactor/gpu/detail/bounded_wait.hpp"
#include "ringactor/gpu/detail/launch_wait.hpp"

namespace ringactor {

namespace {

std::string describe(cudaError_t err) {
  return std::string{cudaGetErrorName(err)} + ": " + cudaGetErrorString(err);
}

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw cuda_error(std::string{"ringactor: "} + what + " failed: " + describe(err));
}

// classify_cuda_error (device_health.cpp, host C++ without CUDA headers)
// names the sticky errors by value: these are the toolkit's.
static_assert(cudaErrorECCUncorrectable == 214 && cudaErrorNvlinkUncorrectable == 220
                && cudaErrorContained == 226 && cudaErrorIllegalAddress == 700
                && cudaErrorLaunchTimeout == 702 && cudaErrorAssert == 710
                && cudaErrorHardwareStackError == 714 && cudaErrorIllegalInstruction == 715
                && cudaErrorMisalignedAddress == 716 && cudaErrorInvalidAddressSpace == 717
                && cudaErrorInvalidPc == 718 && cudaErrorLaunchFailure == 719
                && cudaErrorTensorMemoryLeak == 721 && cudaErrorMpsClientTerminated == 810
                && cudaErrorExternalDevice == 911,
              "a sticky cudaError_t changed its value: update classify_cuda_error");

/// Records what a kernel's stream reported: a sticky error loses `device`
/// for the process (device_health.hpp).
void note_stream_error(cudaError_t err, int device) {
  if (cuda_error_is_sticky(static_cast<int>(err)))
    detail::mark_cuda_device_lost(device, describe(err));
}

/// Throws the cuda_error of a lost device, before any CUDA call on it.
void refuse_lost_device(int device) {
  if (cuda_device_lost(device))
    throw cuda_error("ringactor: " + cuda_device_lost_message(device));
}

// -- registered kernels -------------------------------------------------------

struct kernel_registry {
  std::mutex mutex;
  detail::cuda_kernel_entry* head = nullptr;
  /// (kernel, device) pairs whose module is loaded; guarded by mutex.
  std::set<std::pair<const detail::cuda_kernel_entry*, int>> loaded;
};

kernel_registry& registry() {
  static kernel_registry instance;
  return instance;
}

/// Loads, on `device` (the caller made it current), the module of every
/// registered kernel not loaded there yet. With lazy module loading (the
/// Linux default since CUDA 12.2) a module loads at its first launch, and
/// that load can wait for a running persistent kernel forever; and modules
/// load per device (per context). So each runner, before it launches,
/// loads every registered kernel on its own device: the first runner of a
/// device loads them all before any persistent kernel starts there, and a
/// kernel registered later (a library loaded after that) is loaded by the
/// next runner of each device, which may then wait for the kernels running
/// there (the limit docs/kernels.md states). cudaFuncGetAttributes forces
/// the load. CUDA_MODULE_LOADING=EAGER (set below unless the user chose)
/// loads every module at context creation anyway; this covers a user who
/// chose LAZY and libraries loaded later.
void preload_modules(int device) {
  auto& reg = registry();
  std::lock_guard guard{reg.mutex};
  for (auto* e = reg.head; e != nullptr; e = e->next) {
    if (reg.loaded.contains({e, device}))
      continue;
    cudaFuncAttributes attrs{};
    check(cudaFuncGetAttributes(&attrs, e->loop_function), "loading the module of a kernel");
    reg.loaded.emplace(e, device);
  }
}

/// Asks for eager module loading before CUDA initializes (this runs from the
/// library's static initializer, before any code of the program that links
/// it), unless the user set CUDA_MODULE_LOADING. Also widens the device's
/// hardware work queues from 8 to 32 (CUDA_DEVICE_MAX_CONNECTIONS, unless
/// set): streams share those queues, and a grid queued behind a persistent
/// kernel on the same queue never starts. Neither helps if CUDA was
/// initialized before (by a static initializer of another library that
/// runs first): then preload_modules() still loads each kernel per device.
void prepare_cuda_environment() noexcept {
  ::setenv("CUDA_MODULE_LOADING", "EAGER", 0);
  ::setenv("CUDA_DEVICE_MAX_CONNECTIONS", "32", 0);
}

/// Hardware work queues per device (CUDA_DEVICE_MAX_CONNECTIONS, default 8).
int device_connections() noexcept {
  const char* value = std::getenv("CUDA_DEVICE_MAX_CONNECTIONS");
  int n = value != nullptr ? std::atoi(value) : 0;
  return n > 0 ? std::min(n, 32) : 8;
}

// -- pinned mapped memory -----------------------------------------------------

/// A pool of pinned, mapped, portable host memory in power-of-two size
/// classes. cudaFreeHost may synchronize the device, which would wait for
/// persistent kernels forever; so blocks return to the pool instead, and the
/// pool keeps them until the process exits.
class mapped_pool {
public:
  std::byte* allocate(std::size_t size) {
    auto cls = std::max<std::size_t>(std::bit_ceil(size), 4096);
    {
      std::lock_guard guard{mutex_};
      auto& list = free_[cls];
      if (!list.empty()) {
        auto* p = list.back();
        list.pop_back();
        return p;
      }
    }
    void* p = nullptr;
    check(cudaHostAlloc(&p, cls, cudaHostAllocMapped | cudaHostAllocPortable),
          "cudaHostAlloc (pinned mapped memory)");
    std::lock_guard guard{mutex_};
    class_of_[static_cast<std::byte*>(p)] = cls;
    return static_cast<std::byte*>(p);
  }

  void release(std::byte* p) noexcept {
    std::lock_guard guard{mutex_};
    auto i = class_of_.find(p);
    if (i != class_of_.end())
      free_[i->second].push_back(p);
  }

  static mapped_pool& instance() {
    // Never destroyed: CUDA may be torn down before static destructors run.
    static auto* pool = new mapped_pool;
    return *pool;
  }

private:
  std::mutex mutex_;
  std::map<std::size_t, std::vector<std::byte*>> free_;
  std::map<std::byte*, std::size_t> class_of_;
};

// -- RAII for streams and device memory ---------------------------------------

/// Makes `device` current for a scope and restores the previous one.
class current_device_guard {
public:
  explicit current_device_guard(int device) {
    check(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device)
      check(cudaSetDevice(device), "cudaSetDevice");
  }
  current_device_guard(const current_device_guard&) = delete;
  current_device_guard& operator=(const current_device_guard&) = delete;
  ~current_device_guard() {
    int now = previous_;
    if (cudaGetDevice(&now) == cudaSuccess && now != previous_)
      cudaSetDevice(previous_);
  }

private:
  int previous_ = 0;
};

/// A non-blocking stream of one device.
class stream {
public:
  stream() = default;
  /// Creates it on `device` and leaves the caller's current device as it was.
  explicit stream(int device) {
    current_device_guard guard{device};
    // Non-blocking: no implicit synchronization with the legacy default
    // stream, which a persistent kernel would otherwise block forever.
    check(cudaStreamCreateWithFlags(&handle_, cudaStreamNonBlocking), "cudaStreamCreate");
  }
  stream(stream&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  stream& operator=(stream&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  ~stream() {
    if (handle_ != nullptr)
      cudaStreamDestroy(handle_);
  }
  cudaStream_t get() const noexcept { return handle_; }
  /// Gives up the stream without destroying it (a kernel still runs on it).
  void leak() noexcept { handle_ = nullptr; }

private:
  cudaStream_t handle_ = nullptr;
};

/// Whether `device` has memory pools (the stream-ordered allocator). Throws
/// cuda_error.
bool device_has_memory_pools(int device) {
  int pools = 0;
  check(cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, device),
        "cudaDeviceGetAttribute");
  return pools != 0;
}

/// Device memory from the stream-ordered allocator: cudaFree would
/// synchronize the whole device (and wait for every persistent kernel).
/// Devices without memory pools fall back to cudaMalloc/cudaFree.
class device_memory {
public:
  device_memory() = default;
  device_memory(std::size_t size, cudaStream_t s, int device) : stream_(s) {
    stream_ordered_ = device_has_memory_pools(device);
    if (stream_ordered_)
      check(cudaMallocAsync(&ptr_, size, s), "cudaMallocAsync");
    else
      check(cudaMalloc(&ptr_, size), "cudaMalloc");
  }
  device_memory(device_memory&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)),
      stream_(other.stream_),
      stream_ordered_(other.stream_ordered_) {}
  device_memory& operator=(device_memory&& other) noexcept {
    std::swap(ptr_, other.ptr_);
    std::swap(stream_, other.stream_);
    std::swap(stream_ordered_, other.stream_ordered_);
    return *this;
  }
  ~device_memory() {
    if (ptr_ == nullptr)
      return;
    if (stream_ordered_)
      cudaFreeAsync(ptr_, stream_);
    else
      cudaFree(ptr_);
  }
  void* get() const noexcept { return ptr_; }
  void leak() noexcept { ptr_ = nullptr; }

private:
  void* ptr_ = nullptr;
  cudaStream_t stream_ = nullptr;
  bool stream_ordered_ = true;
};

// -- device memory the host allocates and copies ------------------------------

/// Where the host allocates, zeroes, copies and frees the device memory of
/// one device: a non-blocking stream, and a memory pool of its own. Created
/// on first use and kept for the process. None of this may wait for a
/// persistent kernel, which the legacy default stream, cudaMalloc's implicit
/// synchronization, cudaFree's device-wide one and cudaMemset (a kernel,
/// which a resident grid can starve) all can, forever. The pool does not
/// reuse blocks freed on other streams (that would make an allocation wait
/// for those streams) and keeps what is freed (no trimming at synchronize).
struct memory_lane {
  cudaStream_t stream = nullptr;
  cudaMemPool_t pool = nullptr; ///< null: the device has no memory pools
};

memory_lane memory_lane_of(int device) {
  static std::mutex mutex;
  static std::map<int, memory_lane> lanes; // guarded by mutex; never destroyed
  std::lock_guard guard{mutex};
  auto& lane = lanes[device];
  if (lane.stream != nullptr)
    return lane;
  if (device_has_memory_pools(device)) {
    cudaMemPoolProps props{};
    props.allocType = cudaMemAllocationTypePinned;
    props.location.type = cudaMemLocationTypeDevice;
    props.location.id = device;
    check(cudaMemPoolCreate(&lane.pool, &props), "cudaMemPoolCreate");
    int no = 0;
    check(cudaMemPoolSetAttribute(lane.pool, cudaMemPoolReuseAllowInternalDependencies, &no),
          "cudaMemPoolSetAttribute");
    std::uint64_t keep_all = ~std::uint64_t{0};
    check(cudaMemPoolSetAttribute(lane.pool, cudaMemPoolAttrReleaseThreshold, &keep_all),
          "cudaMemPoolSetAttribute");
  }
  check(cudaStreamCreateWithFlags(&lane.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  return lane;
}

/// Frees memory from allocate_device: stream-ordered on `s`, or (s null, a
/// device without memory pools) with cudaFree.
void release_device_memory(cudaStream_t s, std::byte* p) noexcept {
  if (s != nullptr)
    cudaFreeAsync(p, s);
  else
    cudaFree(p);
}

/// Zeroes `size` bytes at `p` by copies from zeroed host memory (the copy
/// engines; cudaMemsetAsync may run as a kernel that a resident persistent
/// grid starves).
cudaError_t zero_device_memory(std::byte* p, std::size_t size, cudaStream_t s) {
  static const std::vector<std::byte> zeros(std::size_t{1} << 20);
  for (std::size_t done = 0; done < size;) {
    auto n = std::min(zeros.size(), size - done);
    if (auto err = cudaMemcpyAsync(p + done, zeros.data(), n, cudaMemcpyHostToDevice, s);
        err != cudaSuccess)
      return err;
    done += n;
  }
  return cudaStreamSynchronize(s);
}

/// The device that owns the device memory at `p`.
int device_of(const void* p) {
  cudaPointerAttributes attrs{};
  check(cudaPointerGetAttributes(&attrs, p), "cudaPointerGetAttributes");
  if (attrs.type != cudaMemoryTypeDevice)
    throw cuda_error("ringactor: a device copy was given an address that is not device memory");
  return attrs.device;
}

} // namespace

namespace detail {

void register_cuda_kernel(cuda_kernel_entry& entry) noexcept {
  auto& reg = registry();
  std::lock_guard guard{reg.mutex};
  entry.next = reg.head;
  reg.head = &entry;
  // A kernel registered after the first launch (a library loaded later)
  // loads its module at its own first launch; load such libraries early.
}

} // namespace detail

namespace {

int device_count() noexcept {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError(); // clear the error (no driver, no device)
    return 0;
  }
  return n;
}

shared_region mapped_memory(std::size_t size) {
  auto* host = mapped_pool::instance().allocate(size);
  void* device = nullptr;
  auto err = cudaHostGetDevicePointer(&device, host, 0);
  if (err != cudaSuccess) {
    mapped_pool::instance().release(host);
    check(err, "cudaHostGetDevicePointer");
  }
  std::memset(host, 0, size);
  return shared_region{host, static_cast<std::byte*>(device), size,
                       [](void*, std::byte* p) noexcept { mapped_pool::instance().release(p); },
                       nullptr};
}

bool memory_pools(int device) noexcept {
  try {
    return device_has_memory_pools(device);
  } catch (const cuda_error&) {
    cudaGetLastError(); // clear it
    return false;
  }
}

shared_region device_memory_of(std::size_t size, int device) {
  current_device_guard guard{device};
  auto lane = memory_lane_of(device);
  void* ptr = nullptr;
  if (lane.pool != nullptr)
    check(cudaMallocFromPoolAsync(&ptr, size, lane.pool, lane.stream), "cudaMallocFromPoolAsync");
  else
    check(cudaMalloc(&ptr, size), "cudaMalloc");
  auto* bytes = static_cast<std::byte*>(ptr);
  // Zeroed and complete before the caller hands the address to a kernel
  // (which runs on another stream, so only this synchronization orders it).
  detail::nvtx_range range{detail::nvtx_names::zero_device_memory};
  if (auto err = zero_device_memory(bytes, size, lane.stream); err != cudaSuccess) {
    release_device_memory(lane.pool != nullptr ? lane.stream : nullptr, bytes);
    check(err, "zeroing device memory");
  }
  // The release function gets the device address (host() is null) and, as
  // its context, the stream to free it on (null: cudaFree, no memory pools).
  return shared_region{nullptr, bytes, size,
                       [](void* context, std::byte* p) noexcept {
                         release_device_memory(static_cast<cudaStream_t>(context), p);
                       },
                       lane.pool != nullptr ? static_cast<void*>(lane.stream) : nullptr};
}

void copy_to_device(std::byte* device_dst, const void* host_src, std::size_t bytes) {
  auto device = device_of(device_dst);
  current_device_guard guard{device};
  auto s = memory_lane_of(device).stream;
  detail::nvtx_range range{detail::nvtx_names::copy_to_device};
  check(cudaMemcpyAsync(device_dst, host_src, bytes, cudaMemcpyHostToDevice, s),
        "cudaMemcpyAsync (to device)");
  check(cudaStreamSynchronize(s), "copying to the device");
}

void copy_to_host(void* host_dst, const std::byte* device_src, std::size_t bytes) {
  auto device = device_of(device_src);
  current_device_guard guard{device};
  auto s = memory_lane_of(device).stream;
  detail::nvtx_range range{detail::nvtx_names::copy_to_host};
  check(cudaMemcpyAsync(host_dst, device_src, bytes, cudaMemcpyDeviceToHost, s),
        "cudaMemcpyAsync (to host)");
  check(cudaStreamSynchronize(s), "copying to the host");
}

} // namespace

// -- cuda_kernel_runner -------------------------------------------------------

namespace {

using status = cuda_kernel_runner::status;

struct runner_state {
  const detail::cuda_kernel_entry* entry;
  kernel_channel* channel;
  cuda_kernel_options options;
  stream strm;
  device_memory state;
  device_memory scratch;
  kernel_params params;
  status last = status::idle;
  std::string fault;
  int fault_code = 0; ///< the cudaError_t behind `fault`
  /// The grid's share of the device while it runs (persistent mode).
  detail::residency_ledger::ticket residency;
  /// The NVTX name of this kernel's launches (nvtx_ranges.hpp), made here
  /// so that a launch allocates nothing.
  std::string launch_range_name;

  runner_state(const detail::cuda_kernel_entry& e, const void* kernel_state, kernel_channel& ch,
               const cuda_kernel_options& opts)
    : entry(&e), channel(&ch), options(opts), launch_range_name(launch_range_name_of(e)) {
    if (opts.grid.blocks == 0 || opts.grid.threads == 0)
      throw cuda_error("ringactor: a kernel grid needs at least one block and thread");
    if (opts.device < 0 || device_count() <= opts.device)
      throw cuda_error("ringactor: no CUDA device " + std::to_string(opts.device));
    refuse_lost_device(opts.device);
    current_device_guard guard{opts.device};
    preload_modules(opts.device);
    strm = stream{opts.device};
    state = device_memory{e.state_size, strm.get(), opts.device};
    auto scratch_size = detail::grid_scratch::bytes_for(ch.geometry().slot_size);
    scratch = device_memory{scratch_size, strm.get(), opts.device};
    detail::nvtx_range copy_range{detail::nvtx_names::copy_state_to_device};
    check(cudaMemcpyAsync(state.get(), kernel_state, e.state_size, cudaMemcpyHostToDevice,
                          strm.get()),
          "copying the kernel state to the device");
    // Zeroed by copies from zeroed host memory, not cudaMemsetAsync: a
    // memset may run as a kernel, which persistent grids holding every SM
    // starve for ever, and the synchronization below would wait with it.
    // Copies run on the copy engines, and this stream (new, non-blocking)
    // waits for no other.
    check(zero_device_memory(static_cast<std::byte*>(scratch.get()), scratch_size, strm.get()),
          "zeroing the kernel's scratch memory");
    params = ch.device_params();
    params.kernel = state.get();
    params.scratch = static_cast<std::byte*>(scratch.get());
    params.kernel_id = opts.kernel_id;
    params.heartbeat_interval_ns = static_cast<std::uint64_t>(opts.heartbeat_interval.count());
    params.mode = opts.mode;
  }

  /// "launch <kernel type>", or "ringactor launch" for an unnamed entry.
  static std::string launch_range_name_of(const detail::cuda_kernel_entry& e) {
    if (e.name == nullptr || *e.name == '\0')
      return detail::nvtx_names::unnamed_launch;
    return std::string{detail::nvtx_names::launch_prefix} + e.name;
  }

  /// Admits the persistent grid in the device's residency ledger
  /// (residency_ledger.hpp), one-block grids included: it must fit beside
  /// the persistent kernels already running there, or the launch would
  /// wait behind them for ever. Throws cuda_error saying how many blocks
  /// are free otherwise. The caller made the device current.
  void admit_persistent_grid() {
    int per_sm = 0;
    check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, entry->loop_function,
                                                        static_cast<int>(options.grid.threads), 0),
          "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
    int sms = 0;
    int major = 0;
    int minor = 0;
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, options.device),
          "cudaDeviceGetAttribute");
    check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, options.device),
          "cudaDeviceGetAttribute");
    check(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, options.device),
          "cudaDeviceGetAttribute");
    // One hardware queue stays for the memory lane's copies and launch-mode
    // kernels (docs/kernels.md, "Residency").
    auto queues = static_cast<std::uint32_t>(std::max(1, device_connections() - 1));
    detail::device_capacity capacity{static_cast<std::uint32_t>(sms),
                                     std::min(detail::max_resident_grids(major, minor), queues)};
    auto admitted = detail::residency_ledger::instance().admit(
      options.device, capacity,
      detail::grid_demand{options.grid.blocks, static_cast<std::uint32_t>(per_sm)});
    if (!admitted)
      throw cuda_error("ringactor: a persistent kernel cannot be resident: " + admitted.refusal);
    residency = std::move(admitted.granted);
  }

  /// Launches the loop once; cooperatively when the grid has several blocks.
  void launch_loop() {
    detail::nvtx_range range{launch_range_name.c_str()};
    current_device_guard guard{options.device};
    if (options.mode == loop_mode::persistent)
      admit_persistent_grid();
    const auto blocks = options.grid.blocks;
    const auto threads = options.grid.threads;
    // The loop measures its clock's offset to Unix time against this
    // sample (%globaltimer has no defined epoch; kernel_params.hpp).
    params.host_clock_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count());
    void* args[] = {&params};
    if (blocks == 1) {
      if (auto err = cudaLaunchKernel(entry->loop_function, dim3(1), dim3(threads), args, 0,
                                      strm.get());
          err != cudaSuccess) {
        residency.reset();
        check(err, "launching the kernel loop");
      }
      last = status::running;
      return;
    }
    // The loop synchronizes the whole grid per message: every block must be
    // resident at once, or the barrier waits forever. A cooperative launch
    // guarantees that, and fails rather than deadlocks; we refuse earlier
    // with a message that says why.
    int cooperative = 0;
    check(cudaDeviceGetAttribute(&cooperative, cudaDevAttrCooperativeLaunch, options.device),
          "cudaDeviceGetAttribute");
    if (cooperative == 0) {
      residency.reset();
      throw cuda_error("ringactor: device " + std::to_string(options.device)
                       + " cannot launch cooperatively; a kernel grid of more than one "
                         "block needs it");
    }
    int per_sm = 0;
    int sms = 0;
    check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, entry->loop_function,
                                                        static_cast<int>(threads), 0),
          "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, options.device),
          "cudaDeviceGetAttribute");
    auto resident = static_cast<long long>(per_sm) * sms;
    if (resident < blocks) {
      residency.reset();
      throw cuda_error("ringactor: a grid of " + std::to_string(blocks) + " blocks of "
                       + std::to_string(threads) + " threads cannot be resident at once on device "
                       + std::to_string(options.device) + " (at most " + std::to_string(resident)
                       + " blocks); the loop's grid barrier would deadlock, so the launch is "
                         "refused");
    }
    if (auto err = cudaLaunchCooperativeKernel(entry->loop_function, dim3(blocks), dim3(threads),
                                               args, 0, strm.get());
        err != cudaSuccess) {
      residency.reset();
      check(err, "launching the kernel loop cooperatively");
    }
    last = status::running;
  }

  status poll() {
    if (last != status::running)
      return last;
    auto err = cudaStreamQuery(strm.get());
    if (err == cudaErrorNotReady)
      return last;
    if (err == cudaSuccess) {
      last = status::exited;
    } else {
      record_fault(err);
    }
    residency.reset(); // the grid holds its SMs no more
    return last;
  }

  void record_fault(cudaError_t err) {
    last = status::faulted;
    fault = describe(err);
    fault_code = static_cast<int>(err);
    note_stream_error(err, options.device);
  }

  status join(std::chrono::nanoseconds timeout) {
    if (poll() != status::running)
      return last;
    detail::nvtx_range range{detail::nvtx_names::wait_join};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::microseconds{20};
    while (poll() == status::running && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds{1000});
    }
    return last;
  }

  ~runner_state() {
    if (last == status::running) {
      channel->control().request_terminate();
      if (join(std::chrono::seconds{5}) == status::running) {
        // The kernel ignores us (a handler that never returns). Its memory
        // and stream stay in use: leak them rather than free them under it.
        std::fprintf(stderr, "ringactor: a CUDA kernel did not terminate within 5 s; leaking its "
                             "stream and memory\n");
        state.leak();
        scratch.leak();
        strm.leak();
        residency.keep_forever(); // its blocks stay taken
        return;
      }
    }
    if (strm.get() != nullptr) {
      state = device_memory{};
      scratch = device_memory{};
      detail::nvtx_range range{detail::nvtx_names::wait_stream_drain};
      cudaStreamSynchronize(strm.get());
    }
  }
};

/// The runner behind cuda_kernel_runner (cuda_provider.hpp).
class cuda_runner final : public detail::cuda_runner_ops {
public:
  cuda_runner(const detail::cuda_kernel_entry& entry, const void* kernel_state,
              kernel_channel& channel, const cuda_kernel_options& options)
    : impl_(entry, kernel_state, channel, options) {}

  void start() override;
  void launch() override;
  bool launch_for(std::chrono::nanoseconds timeout) override;
  status poll() override { return impl_.poll(); }
  const std::string& fault_message() const noexcept override { return impl_.fault; }
  int fault_code() const noexcept override { return impl_.fault_code; }
  status join(std::chrono::nanoseconds timeout) override { return impl_.join(timeout); }
  void read_state(void* dst) override;

private:
  /// Launch mode: one launch of the loop. The grid's checks (cooperative
  /// support, residency: attribute and occupancy queries) run at the first
  /// launch only; every later launch is one cudaLaunch*Kernel call.
  void launch_once();
  /// Launch mode: turns the stream's end into idle, or throws its fault.
  void finish_launch(cudaError_t err);

  runner_state impl_;
  bool grid_checked_ = false; ///< launch mode: launch_loop ran once and succeeded
};

void cuda_runner::start() {
  if (impl_.options.mode != loop_mode::persistent)
    throw cuda_error("ringactor: start() is for persistent kernels; use launch() in launch mode");
  if (impl_.last != status::idle)
    throw cuda_error("ringactor: a persistent kernel starts once");
  impl_.launch_loop();
}

void cuda_runner::launch_once() {
  if (!grid_checked_) {
    impl_.launch_loop(); // checks the grid, then launches
    grid_checked_ = true;
    return;
  }
  // The proxy launches from whichever scheduler thread runs it: make the
  // kernel's device current for the launch, and give the thread back its own.
  detail::nvtx_range range{impl_.launch_range_name.c_str()};
  current_device_guard guard{impl_.options.device};
  void* args[] = {&impl_.params};
  const auto blocks = impl_.options.grid.blocks;
  const auto threads = impl_.options.grid.threads;
  auto err = blocks == 1 ? cudaLaunchKernel(impl_.entry->loop_function, dim3(1), dim3(threads),
                                            args, 0, impl_.strm.get())
                         : cudaLaunchCooperativeKernel(impl_.entry->loop_function, dim3(blocks),
                                                       dim3(threads), args, 0, impl_.strm.get());
  if (err != cudaSuccess) {
    impl_.record_fault(err); // a sticky error loses the device (device_health.hpp)
    throw cuda_error("ringactor: launching the kernel loop failed: " + impl_.fault);
  }
  impl_.last = status::running;
}

void cuda_runner::finish_launch(cudaError_t err) {
  if (err != cudaSuccess) {
    impl_.record_fault(err);
    throw cuda_error("ringactor: a kernel launch failed: " + impl_.fault);
  }
  impl_.last = status::idle;
}

void cuda_runner::launch() {
  if (impl_.options.mode != loop_mode::launch)
    throw cuda_error("ringactor: launch() is for launch mode");
  launch_once();
  auto err = [&] {
    detail::nvtx_range range{detail::nvtx_names::wait_launch};
    return cudaStreamSynchronize(impl_.strm.get());
  }();
  finish_launch(err);
}

bool cuda_runner::launch_for(std::chrono::nanoseconds timeout) {
  if (impl_.options.mode != loop_mode::launch)
    throw cuda_error("ringactor: launch_for() is for launch mode");
  // No deadline (the watchdog is off, nanoseconds::max(), or longer than
  // any real wait): the stream's own synchronize, as the raw floor does.
  if (timeout >= detail::unbounded_wait) {
    launch();
    return true;
  }
  const auto t0 = std::chrono::steady_clock::now();
  launch_once();
  // Polls, then yields, then sleeps a fraction of the time waited
  // (launch_wait.hpp): a short launch is seen ending at once.
  constexpr detail::launch_wait_policy policy{};
  detail::nvtx_range range{detail::nvtx_names::wait_bounded_launch};
  for (;;) {
    auto err = cudaStreamQuery(impl_.strm.get());
    if (err != cudaErrorNotReady) {
      finish_launch(err);
      return true;
    }
    auto waited = std::chrono::steady_clock::now() - t0;
    if (waited >= timeout)
      return false; // still running: poll() (the poller's) sees it end
    auto step = policy.next(waited);
    if (step.what == detail::launch_wait_step::kind::yield)
      std::this_thread::yield();
    else if (step.what == detail::launch_wait_step::kind::sleep)
      std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(step.pause, timeout - waited));
  }
}

void cuda_runner::read_state(void* dst) {
  if (impl_.poll() == status::running)
    throw cuda_error("ringactor: read_state() while the kernel runs");
  detail::nvtx_range range{detail::nvtx_names::copy_state_to_host};
  check(cudaMemcpyAsync(dst, impl_.state.get(), impl_.entry->state_size, cudaMemcpyDeviceToHost,
                        impl_.strm.get()),
        "copying the kernel state to the host");
  check(cudaStreamSynchronize(impl_.strm.get()), "cudaStreamSynchronize");
}

std::unique_ptr<detail::cuda_runner_ops> make_runner(const detail::cuda_kernel_entry& entry,
                                                     const void* kernel_state,
                                                     kernel_channel& channel,
                                                     const cuda_kernel_options& options) {
  return std::make_unique<cuda_runner>(entry, kernel_state, channel, options);
}

// -- the provider -------------------------------------------------------------

constexpr detail::cuda_backend_provider provider{
  &device_count,   &mapped_memory, &memory_pools, &device_memory_of,
  &copy_to_device, &copy_to_host,  &make_runner,
};

/// Installs the backend while this library initializes, before any code of
/// a program that links it runs (the core library, which this one needs,
/// initializes first; its provider pointer is constant-initialized anyway),
/// and sets CUDA's environment before CUDA initializes.
const bool installed = (prepare_cuda_environment(), detail::install_cuda_backend(provider), true);

} // namespace

} // namespace ringactor
