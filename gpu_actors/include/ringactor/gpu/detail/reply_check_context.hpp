// ringactor: the context spawn_kernel instantiates a kernel's handlers with
// to check, at compile time, the replies they make through ctx.reply().
//
// A reply travels through K2H as bytes and the host reads it as the
// interface's response type; the slot only says how many bytes it holds. So
// a handler of `result<int>(M)` that calls ctx.reply(1.5f) would be read as
// the int with the float's bits. A handler's return value (the implicit
// reply) is checked against the interface by check_kernel_signature; an
// explicit ctx.reply(x) is known only inside the handler's body. The real
// kernel_context cannot check it: it knows the kernel, not the interface
// (the CUDA entry point RINGACTOR_CUDA_KERNEL is compiled without one). So
// spawn_kernel<Interface> instantiates, on the host and without ever running
// it, each handler once more with this context, whose reply() knows the
// interface's response type for the message.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ringactor/gpu/k2k_port.hpp"
#include "ringactor/gpu/slot.hpp"

namespace ringactor::detail {

/// Named after what it checks, so that the compiler's "required from" line
/// names the message, the replied type and the interface's response.
template <class Message, class Replied, class Response, bool Ok>
struct kernel_reply_matches_interface_response {
  static_assert(Ok, "ringactor: the kernel's handler for the message type named first in "
                    "'kernel_reply_matches_interface_response<Message, Replied, Response, false>' "
                    "above calls ctx.reply() with the type named second, but the interface's "
                    "response to that message is the type named third (the reply travels as "
                    "bytes and is read as the response type: reply with exactly that type, or "
                    "with no value when it is void)");
  static constexpr bool value = Ok;
};

/// Mirrors kernel_context's API for one message type of an interface. It is
/// never constructed and its members never run: handlers are instantiated
/// with it only so that reply<T>() can compare T with Response. Members
/// other than reply() return neutral values; the checks they share with
/// kernel_context (trivially copyable, listed in `outputs`) are left to
/// kernel_context, which spawn_kernel instantiates as well, so that each
/// mistake is reported once.
template <class Kernel, class Message, class Response>
class reply_check_context {
public:
  reply_check_context() = delete;
  reply_check_context(const reply_check_context&) = delete;
  reply_check_context& operator=(const reply_check_context&) = delete;

  // -- where this thread is ---------------------------------------------------

  std::uint32_t thread_index() const noexcept { return 0; }
  std::uint32_t block_index() const noexcept { return 0; }
  std::uint32_t block_size() const noexcept { return 1; }
  std::uint32_t block_count() const noexcept { return 1; }
  std::uint32_t thread_rank() const noexcept { return 0; }
  std::uint32_t grid_size() const noexcept { return 1; }
  bool is_leader() const noexcept { return true; }

  // -- the message ------------------------------------------------------------

  const slot_header& header() const noexcept { return header_; }
  bool is_request() const noexcept { return true; }
  std::uint64_t sender_id() const noexcept { return 0; }
  bool from_kernel() const noexcept { return false; }
  std::uint64_t trace_span_id() const noexcept { return 0; }

  // -- answering --------------------------------------------------------------

  template <class T>
  void reply(const T&) noexcept {
    static_assert(kernel_reply_matches_interface_response<Message, T, Response,
                                                          std::is_same_v<T, Response>>::value);
  }

  template <class T>
  bool send_host(std::uint64_t, const T&) noexcept {
    return true;
  }

  template <class T>
  k2k_send_result send(std::uint64_t, const T&) noexcept {
    return k2k_send_result::ok;
  }

  void fault(std::uint32_t = 1) noexcept {}

private:
  slot_header header_;
};

/// Never called: taking its address instantiates the kernel's handler for
/// Message with the checking context, which runs the checks in reply().
template <class Kernel, class Message, class Response>
void instantiate_handler_for_reply_check(Kernel& kernel,
                                         reply_check_context<Kernel, Message, Response>& ctx,
                                         const Message& msg) {
  (void) kernel.handle(ctx, msg);
}

} // namespace ringactor::detail
