// The rally kernel of k2k_bench: two kernels pass a ball back and forth over
// K2K, and the one that takes the last ball tells a host endpoint. Compiled
// for the CPU backend by the host compiler and for CUDA by nvcc
// (k2k_kernels.cu), so it includes only device-facing headers.
#pragma once

#include <cstdint>

#include <ringactor/gpu/device.hpp>
#include <ringactor/gpu/k2k_port.hpp>
#include <ringactor/gpu/message_list.hpp>

namespace bench_k2k {

/// The rally's ball (routable in k2k_bench.cpp, so that the host broker can
/// carry it too).
struct ball {
  std::uint64_t n;
};

/// The end of a rally, sent by the kernel that took the last ball.
struct rally_done {
  std::uint64_t n;
};

/// Host -> kernel: where to play; the kernel with `start` serves.
struct serve {
  std::uint64_t peer; ///< K2K address the kernel sends balls to
  std::uint64_t host; ///< K2K address of the host endpoint told at the end
  std::uint64_t rounds;
  std::uint32_t start;
};

struct rally {
  using inputs = ringactor::message_list<serve, ball>;
  using outputs = ringactor::message_list<ball, rally_done>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const serve& s) {
    peer = s.peer;
    host = s.host;
    rounds = s.rounds;
    if (s.start != 0)
      pass(ctx, 0);
  }

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const ball& b) {
    if (b.n + 1 >= rounds)
      ctx.send(host, rally_done{b.n + 1});
    else
      pass(ctx, b.n + 1);
  }

  template <class Ctx>
  RINGACTOR_DEVICE void pass(Ctx& ctx, std::uint64_t n) {
    while (ctx.send(peer, ball{n}) == ringactor::k2k_send_result::queue_full)
      ringactor::dev::pause();
  }

  std::uint64_t peer = 0;
  std::uint64_t host = 0;
  std::uint64_t rounds = 0;
};

} // namespace bench_k2k
