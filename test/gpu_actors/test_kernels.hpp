// Kernels used by the gpu_actors tests. Like any kernel they compile for the
// CPU backend here and for CUDA in test_kernels.cu.
#pragma once

#include <cstdint>

#include <ringactor/gpu/device.hpp>
#include <ringactor/gpu/message_list.hpp>

namespace gpu_test {

using ringactor::mem_order;
using ringactor::message_list;
namespace dev = ringactor::dev;

/// Multiplies every element of the kernel's buffer by `factor`.
struct scale {
  float factor;
};

/// A data-parallel kernel: each thread of the grid scales a strided share.
struct scaler {
  using inputs = message_list<scale>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const scale& m) {
    for (std::uint32_t i = ctx.thread_rank(); i < size; i += ctx.grid_size())
      data[i] *= m.factor;
  }

  float* data;
  std::uint32_t size;
};

/// Asks every thread to record where it runs.
struct where {
  std::uint32_t round;
};

/// Records, per rank, the block and thread index the context reports and
/// how often the rank ran; the reply is the grid size the context reports.
struct coordinates_recorder {
  using inputs = message_list<where>;

  template <class Ctx>
  RINGACTOR_DEVICE std::uint32_t handle(Ctx& ctx, const where&) {
    auto* rec = seen + 3 * ctx.thread_rank();
    rec[0] = ctx.block_index();
    rec[1] = ctx.thread_index();
    rec[2] += 1;
    return ctx.grid_size() * 1000 + ctx.block_size();
  }

  std::uint32_t* seen; // 3 words per rank
};

/// Handled only once the host has opened the gate up to `ticket`.
struct wait_for {
  std::uint32_t ticket;
};

/// A kernel whose handler blocks until the host lets it go.
struct gated {
  using inputs = message_list<wait_for>;

  template <class Ctx>
  RINGACTOR_DEVICE std::uint32_t handle(Ctx&, const wait_for& m) const {
    // Pairs with the host's release store that opens the gate.
    while (dev::atomic_load(*gate, mem_order::acquire) < m.ticket)
      dev::pause();
    return m.ticket;
  }

  std::uint32_t* gate;
};

/// Makes the handler report a fault with `code`.
struct fail {
  std::uint32_t code;
};

struct echo {
  std::int32_t value;
};

struct faulty {
  using inputs = message_list<echo, fail>;

  template <class Ctx>
  RINGACTOR_DEVICE std::int32_t handle(Ctx&, const echo& m) const {
    return m.value;
  }

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const fail& m) const {
    ctx.fault(m.code);
  }
};

/// Asks the kernel to send `value` to host actor `to`.
struct report {
  std::uint64_t to;
  std::int32_t value;
};

/// What the reporter sends to the host.
struct progress {
  std::int32_t value;
};

/// Sends to a host actor instead of replying (so a request gets unit).
struct reporter {
  using inputs = message_list<report>;
  using outputs = message_list<progress>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const report& m) const {
    ctx.send_host(m.to, progress{m.value});
  }
};

/// Message `seq` (1, 2, ...) of sender `sender` (0 to 3).
struct sequenced {
  std::uint32_t sender;
  std::uint32_t seq;
};

/// Asks for the order checker's counts.
struct order_query {};

struct order_summary {
  std::uint64_t received;
  std::uint64_t out_of_order; ///< messages whose seq was not the sender's last + 1
  std::uint32_t last[4];      ///< the last seq seen per sender
};

/// Checks that each sender's messages arrive in the order it sent them.
struct order_checker {
  using inputs = message_list<sequenced, order_query>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const sequenced& m) {
    if (!ctx.is_leader())
      return;
    ++summary.received;
    if (m.sender >= 4 || m.seq != summary.last[m.sender] + 1)
      ++summary.out_of_order;
    if (m.sender < 4)
      summary.last[m.sender] = m.seq;
  }

  template <class Ctx>
  RINGACTOR_DEVICE order_summary handle(Ctx&, const order_query&) const {
    return summary;
  }

  order_summary summary;
};

} // namespace gpu_test
