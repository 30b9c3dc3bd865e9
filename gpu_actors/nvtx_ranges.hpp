// ringactor: NVTX ranges around the CUDA backend's launches and host-side
// waits (private to gpu_actors: cuda_backend.cu and the tests include it).
//
// With NVTX (RINGACTOR_HAS_NVTX=1, which meson sets for libringactor-cuda
// when the build has CUDA and the toolkit has the header-only NVTX3,
// nvtx3/nvToolsExt.h) an nvtx_range pushes a range in the NVTX domain
// "ringactor" when it is made and pops it when it goes, on the calling
// thread. NVTX3 needs no library (only dlopen): until a tool attaches, each
// call is a load and a branch. A tool attaches at the first NVTX call of
// the process, through NVTX_INJECTION64_PATH (Nsight Systems sets it:
// `nsys profile --trace=cuda,nvtx ./program`). Without NVTX an nvtx_range is
// an empty object and every call compiles to nothing.
//
// The ranges (docs/observability.md shows them in Nsight Systems); every
// name is a fixed string or, for launches, a string made once per runner,
// so the launch path allocates nothing:
//   "launch <kernel type>"  one launch of a kernel loop: the persistent
//                           start (with its residency and cooperative-launch
//                           checks) and each launch-mode launch; the kernel
//                           type as RINGACTOR_CUDA_KERNEL spelled it, or
//                           "ringactor launch" when the entry has no name.
//   "wait launch"           launch mode: the stream synchronize after a launch
//   "wait bounded launch"   launch mode: the bounded wait for a launch's end
//                           (launch_wait.hpp's poll, yield, sleep loop)
//   "wait join"             waiting for a kernel to end (join, and the
//                           runner's destructor after it asks it to stop)
//   "wait stream drain"     the destructor's synchronize of a kernel's stream
//   "copy state to device"  a runner's kernel state copied to the device
//                           and its scratch memory zeroed, synchronized
//   "copy state to host"    read_state: the kernel state copied back
//   "copy to device"        copy_to_device: a synchronous host-to-device copy
//   "copy to host"          copy_to_host: a synchronous device-to-host copy
//   "zero device memory"    allocate_device: the new memory zeroed by copies
#pragma once

#if defined(RINGACTOR_HAS_NVTX) && RINGACTOR_HAS_NVTX
// The NVTX headers are not -Wpedantic clean; this makes them system headers.
#  define NVTX_AS_SYSTEM_HEADER
#  include <nvtx3/nvToolsExt.h>
#  define RINGACTOR_NVTX_ENABLED 1
#else
#  define RINGACTOR_NVTX_ENABLED 0
#endif

namespace ringactor::detail {

/// The names of the ranges (the table above).
namespace nvtx_names {
inline constexpr const char* domain = "ringactor";
inline constexpr const char* launch_prefix = "launch ";
inline constexpr const char* unnamed_launch = "ringactor launch";
inline constexpr const char* wait_launch = "wait launch";
inline constexpr const char* wait_bounded_launch = "wait bounded launch";
inline constexpr const char* wait_join = "wait join";
inline constexpr const char* wait_stream_drain = "wait stream drain";
inline constexpr const char* copy_state_to_device = "copy state to device";
inline constexpr const char* copy_state_to_host = "copy state to host";
inline constexpr const char* copy_to_device = "copy to device";
inline constexpr const char* copy_to_host = "copy to host";
inline constexpr const char* zero_device_memory = "zero device memory";
} // namespace nvtx_names

// Each variant lives in an inline namespace of its own, so that a program
// whose parts were compiled with and without NVTX (a test beside
// libringactor-cuda) holds two distinct classes, not one class defined twice.
#if RINGACTOR_NVTX_ENABLED

inline namespace nvtx_on {

/// Whether ranges reach NVTX in this translation unit.
inline constexpr bool nvtx_available = true;

/// The domain "ringactor", created at the first range (null while no tool is
/// attached: NVTX then does nothing with it).
inline nvtxDomainHandle_t nvtx_domain() noexcept {
  static const nvtxDomainHandle_t domain = nvtxDomainCreateA(nvtx_names::domain);
  return domain;
}

/// A range in the domain "ringactor" from construction to destruction, on
/// the calling thread. `name` must outlive the range's construction (NVTX
/// tools copy it); a fixed string always does.
///
///   {
///     detail::nvtx_range range{detail::nvtx_names::wait_launch};
///     cudaStreamSynchronize(s);
///   } // popped here
class nvtx_range {
public:
  explicit nvtx_range(const char* name) noexcept : domain_(nvtx_domain()) {
    nvtxEventAttributes_t attributes{};
    attributes.version = NVTX_VERSION;
    attributes.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
    attributes.messageType = NVTX_MESSAGE_TYPE_ASCII;
    attributes.message.ascii = name;
    nvtxDomainRangePushEx(domain_, &attributes);
  }
  nvtx_range(const nvtx_range&) = delete;
  nvtx_range& operator=(const nvtx_range&) = delete;
  ~nvtx_range() { nvtxDomainRangePop(domain_); }

private:
  nvtxDomainHandle_t domain_;
};

} // namespace nvtx_on

#else

inline namespace nvtx_off {

/// Whether ranges reach NVTX in this translation unit.
inline constexpr bool nvtx_available = false;

/// Without NVTX: an empty object; making and destroying it does nothing.
class nvtx_range {
public:
  explicit constexpr nvtx_range(const char*) noexcept {}
  nvtx_range(const nvtx_range&) = delete;
  nvtx_range& operator=(const nvtx_range&) = delete;
};

} // namespace nvtx_off

#endif

} // namespace ringactor::detail
