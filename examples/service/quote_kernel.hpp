// examples/service: an application's own kernel, the one its server serves.
// A quote prices an order with a volume discount; the kernel also keeps how
// many quotes it gave (kernel state persists across messages). Device-facing
// (docs/device-headers.md): the CPU backend runs it here, and the same code
// compiles for CUDA where the application registers it from a .cu file as
// examples/pipeline/scorer_kernel.cu does.
#pragma once

#include <cstdint>

#include <ringactor/gpu/device.hpp>
#include <ringactor/gpu/message_list.hpp>

namespace quotes {

/// Asks the price of `quantity` units at `unit_cents` each.
struct quote_request {
  std::uint32_t quantity;
  std::uint32_t unit_cents;
};

/// The answer: the total after the discount, the discount in percent, and
/// the number of this quote among those the kernel gave.
struct quote {
  std::uint64_t total_cents;
  std::uint32_t discount_percent;
  std::uint64_t serial;
};

/// 5% off from 10 units, 10% from 100, 20% from 1,000.
RINGACTOR_HOST_DEVICE constexpr std::uint32_t discount_for(std::uint32_t quantity) noexcept {
  return quantity >= 1000 ? 20u : quantity >= 100 ? 10u : quantity >= 10 ? 5u : 0u;
}

struct quote_kernel {
  using inputs = ringactor::message_list<quote_request>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const quote_request& r) {
    if (ctx.is_leader()) {
      auto gross = static_cast<std::uint64_t>(r.quantity) * r.unit_cents;
      auto off = discount_for(r.quantity);
      ++served;
      ctx.reply(quote{gross - gross * off / 100u, off, served});
    }
  }

  std::uint64_t served = 0;
};

} // namespace quotes
