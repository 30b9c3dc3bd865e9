// The kernel loop's K2K side on the CPU backend, as it reads as little
// shared memory as it can: the poll schedule of the command and port
// version, the cached route descriptors (and their invalidation when a
// route changes), and the K2K clock's signed offset to Unix time.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>

#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/cpu_backend.hpp>
#include <ringactor/gpu/detail/control_poll.hpp>
#include <ringactor/gpu/k2k_port.hpp>

#include "test_util.hpp"

using namespace ringactor;
using namespace gpu_test;

namespace {

struct relay {
  std::uint64_t destination;
  std::uint32_t count;
};

struct relayed {
  std::uint32_t n;
};

/// Sends `count` notes to a K2K destination; tallies what ctx.send said.
struct relayer {
  using inputs = message_list<relay>;
  using outputs = message_list<relayed>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const relay& m) {
    for (std::uint32_t i = 0; i < m.count; ++i) {
      auto r = ctx.send(m.destination, relayed{i});
      if (ctx.is_leader())
        ++outcomes[static_cast<std::uint32_t>(r)];
    }
  }

  std::uint32_t outcomes[6] = {}; ///< by k2k_send_result
};

/// A device channel in host memory (the CPU backend's kind) with the
/// host's view of its receiving end.
struct test_channel {
  static constexpr std::uint32_t capacity = 8;
  static constexpr std::uint32_t slot_size = 128;

  test_channel()
    : memory(detail::allocate_aligned(k2k_channel_bytes(capacity, slot_size))),
      header(new(memory.get()) k2k_channel_header{}),
      view(memory.get() + sizeof(k2k_channel_header), capacity, slot_size),
      consumer(view) {
    view.format();
  }

  /// A live device route to this channel for `destination`; the sender's
  /// output 1 is the receiver's input 1.
  k2k_route route_for(std::uint64_t destination) {
    k2k_route r;
    r.kind = static_cast<std::uint32_t>(k2k_route_kind::device);
    r.destination = destination;
    r.channel = header;
    r.slots = view.data();
    r.wake = &wake;
    r.capacity = capacity;
    r.slot_size = slot_size;
    r.type_map[0] = 1;
    return r;
  }

  /// The next message's header, or none.
  std::optional<slot_header> pop() {
    slot_header h;
    std::byte payload[slot_size];
    if (!consumer.try_pop(h, payload))
      return std::nullopt;
    return h;
  }

  detail::aligned_bytes memory;
  k2k_channel_header* header;
  ring_view view;
  ring_consumer consumer;
  doorbell wake;
};

constexpr std::uint64_t destination = 0x5eed;

/// Pushes relay{to, count} as a request and waits for its (unit) reply: the
/// kernel has handled it.
void relay_and_wait(kernel_channel& ch, std::uint64_t to, std::uint32_t count,
                    std::uint64_t request_id) {
  REQUIRE(ch.try_send_message<relayer>(relay{to, count}, request_id));
  auto r = receive(ch);
  REQUIRE(r);
  CHECK(r->header.request_id == request_id);
}

std::int64_t unix_us_now() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

/// The physical part (Unix microseconds) of the stamp a kernel whose clock
/// is steady_clock shifted by `shift` puts on a K2K send.
std::int64_t stamp_of_kernel_with_clock_shift(std::chrono::nanoseconds shift) {
  kernel_channel ch;
  test_channel out;
  k2k_port_ref port{ch.k2k_port_host()};
  port.publish_route(0, out.route_for(destination));
  cpu_kernel_runner<relayer> runner{relayer{}, ch, {.clock_shift = shift}};
  runner.start();
  relay_and_wait(ch, destination, 1, 1);
  auto h = out.pop();
  REQUIRE(h);
  return static_cast<std::int64_t>(h->stamp.physical);
}

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("the loop looks at the command at the first poll of each wait, then every 8th idle "
          "poll, then at every poll once it backs off") {
  using detail::control_poll;
  CHECK(control_poll::due(0)); // before every message: overlapped with the H2K head
  std::uint32_t looks = 0;
  for (std::uint32_t n = 1; n < control_poll::look_every_idle_poll_from; ++n)
    looks += control_poll::due(n) ? 1 : 0;
  CHECK(looks == (control_poll::look_every_idle_poll_from - 1) / control_poll::idle_polls_per_look);
  CHECK_FALSE(control_poll::due(1));
  CHECK_FALSE(control_poll::due(7));
  CHECK(control_poll::due(8));
  CHECK_FALSE(control_poll::due(9));
  CHECK(control_poll::due(control_poll::look_every_idle_poll_from));
  CHECK(control_poll::due(control_poll::look_every_idle_poll_from + 1));
}

TEST_CASE("a K2K stamp is Unix time when the device clock is far ahead of the host's "
          "(a negative offset)") {
  // The emulated device clock (steady_clock + shift) reads ten years past
  // Unix time: an offset that cannot be negative would stamp every send
  // ten years in the future.
  using namespace std::chrono;
  constexpr auto ten_years = hours{24 * 365 * 10};
  const auto unix_minus_steady = duration_cast<nanoseconds>(system_clock::now().time_since_epoch())
                                 - duration_cast<nanoseconds>(
                                   steady_clock::now().time_since_epoch());
  auto before = unix_us_now();
  auto stamp = stamp_of_kernel_with_clock_shift(unix_minus_steady + ten_years);
  auto after = unix_us_now();
  // The offset errs by the launch latency (the stamp lags): a second of
  // slack covers a loaded sanitizer build.
  CHECK(stamp >= before - 1'000'000);
  CHECK(stamp <= after + 1'000'000);
}

TEST_CASE("a K2K stamp is Unix time when the device clock starts near zero (a positive "
          "offset)") {
  auto before = unix_us_now();
  auto stamp = stamp_of_kernel_with_clock_shift(std::chrono::nanoseconds{0});
  auto after = unix_us_now();
  CHECK(stamp >= before - 1'000'000);
  CHECK(stamp <= after + 1'000'000);
}

TEST_CASE("a route published while the kernel runs is found by the next message's send") {
  kernel_channel ch;
  test_channel out;
  k2k_port_ref port{ch.k2k_port_host()};
  cpu_kernel_runner<relayer> runner{relayer{}, ch, {.spin_before_park = 10}};
  runner.start();
  relay_and_wait(ch, destination, 1, 1); // no route yet: not_found
  // The loop reads the port's version on a schedule, not per message; a
  // send must still find a route published before its message was pushed.
  port.publish_route(0, out.route_for(destination));
  relay_and_wait(ch, destination, 1, 2);
  ch.control().request_drain();
  runner.join();
  const auto& outcomes = runner.kernel().outcomes;
  CHECK(outcomes[static_cast<std::uint32_t>(k2k_send_result::not_found)] == 1);
  CHECK(outcomes[static_cast<std::uint32_t>(k2k_send_result::ok)] == 1);
  CHECK(out.pop().has_value());
}

TEST_CASE("a cached route is dropped when the host retires it, and a new route for the same "
          "destination is used instead") {
  kernel_channel ch;
  test_channel first;
  test_channel second;
  k2k_port_ref port{ch.k2k_port_host()};
  port.publish_route(0, first.route_for(destination));
  cpu_kernel_runner<relayer> runner{relayer{}, ch, {.spin_before_park = 10}};
  runner.start();
  relay_and_wait(ch, destination, 3, 1);
  for (int i = 0; i < 3; ++i)
    CHECK(first.pop().has_value());

  // Retired: the next send finds no route although the kernel has cached
  // the entry (and has not acknowledged the retirement yet, or just did).
  auto retired = port.retire_route(0);
  relay_and_wait(ch, destination, 1, 2);
  CHECK_FALSE(first.pop().has_value());
  // The acknowledgement comes at a quiescent point: the entry may be reused.
  REQUIRE(eventually(ch, [&] { return port.acknowledged(retired); }));

  // The same destination over another channel, in another entry.
  port.publish_route(1, second.route_for(destination));
  relay_and_wait(ch, destination, 2, 3);
  CHECK_FALSE(first.pop().has_value());
  CHECK(second.pop().has_value());
  CHECK(second.pop().has_value());

  // And back into entry 0, to the first channel: its cursor continues.
  auto moved = port.retire_route(1);
  REQUIRE(eventually(ch, [&] { return port.acknowledged(moved); }));
  port.publish_route(0, first.route_for(destination));
  relay_and_wait(ch, destination, 1, 4);
  CHECK(first.pop().has_value());
  CHECK_FALSE(second.pop().has_value());

  ch.control().request_drain();
  runner.join();
  const auto& outcomes = runner.kernel().outcomes;
  CHECK(outcomes[static_cast<std::uint32_t>(k2k_send_result::ok)] == 3 + 2 + 1);
  CHECK(outcomes[static_cast<std::uint32_t>(k2k_send_result::not_found)] == 1);
  CHECK(port.not_found() == 1);
}

TEST_SUITE_END();
