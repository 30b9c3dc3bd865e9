// The kernel loop on the CPU backend: replies, state, heartbeat, parking,
// drain and terminate, and launch mode.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/cpu_backend.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

#include "test_kernels.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace gpu_test;
using kernels::accumulate;
using kernels::add;
using kernels::adder;

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("the adder kernel answers each request with the sum, addressed to its sender") {
  kernel_channel ch;
  cpu_kernel_runner<adder> runner{adder{}, ch, {.kernel_id = 77}};
  runner.start();
  for (std::int32_t i = 1; i <= 100; ++i)
    REQUIRE(ch.try_send_message<adder>(add{i, 1000}, /*request_id=*/i, /*sender_id=*/500 + i));
  for (std::int32_t i = 1; i <= 100; ++i) {
    auto r = receive(ch);
    REQUIRE(r);
    CHECK(r->header.kind == slot_kind::reply);
    CHECK(r->header.request_id == static_cast<std::uint64_t>(i));
    CHECK(r->header.sender_id == 77);
    CHECK(r->header.receiver_id == static_cast<std::uint64_t>(500 + i));
    CHECK(r->header.payload_size == sizeof(std::int32_t));
    CHECK(r->as<std::int32_t>() == i + 1000);
  }
  ch.control().request_drain();
  runner.join();
  CHECK(ch.control().state() == kernel_state::terminated);
  CHECK(ch.control().messages_processed() == 100);
  CHECK(ch.h2k_depth() == 0);
  CHECK(ch.k2h_depth() == 0);
}

TEST_CASE("kernel state persists from one message to the next") {
  kernel_channel ch;
  cpu_kernel_runner<adder> runner{adder{.total = 5}, ch};
  runner.start();
  for (std::int64_t i = 1; i <= 10; ++i)
    REQUIRE(ch.try_send_message<adder>(accumulate{i}, i));
  std::int64_t expected = 5;
  for (std::int64_t i = 1; i <= 10; ++i) {
    auto r = receive(ch);
    REQUIRE(r);
    expected += i;
    CHECK(r->as<std::int64_t>() == expected);
  }
  ch.control().request_drain();
  runner.join();
  CHECK(runner.kernel().total == 5 + 55);
}

TEST_CASE(
  "a plain message gets no reply and a request to a handler that answers nothing gets unit") {
  kernel_channel ch;
  cpu_kernel_runner<reporter> runner{reporter{}, ch, {.kernel_id = 9}};
  runner.start();
  REQUIRE(ch.try_send_message<reporter>(report{.to = 31, .value = 5}));                // plain
  REQUIRE(ch.try_send_message<reporter>(report{.to = 32, .value = 6}, /*request=*/4)); // request
  auto m1 = receive(ch);
  REQUIRE(m1);
  CHECK(m1->header.kind == slot_kind::message);
  CHECK(m1->header.receiver_id == 31);
  CHECK(m1->header.sender_id == 9);
  CHECK(m1->header.type_id == output_type_id<reporter, progress>());
  CHECK(m1->as<progress>().value == 5);
  auto m2 = receive(ch);
  REQUIRE(m2);
  CHECK(m2->header.kind == slot_kind::message);
  CHECK(m2->as<progress>().value == 6);
  auto unit = receive(ch);
  REQUIRE(unit);
  CHECK(unit->header.kind == slot_kind::reply);
  CHECK(unit->header.request_id == 4);
  CHECK(unit->header.payload_size == 0);
  ch.control().request_drain();
  runner.join();
  CHECK(ch.control().messages_processed() == 2);
}

TEST_CASE("a slot with a type id the kernel does not accept gets an error reply, not a crash") {
  kernel_channel ch;
  cpu_kernel_runner<adder> runner{adder{}, ch};
  runner.start();
  slot_header h;
  h.type_id = 99;
  h.request_id = 1;
  REQUIRE(ch.try_send(h, nullptr));
  h.type_id = input_type_id<adder, add>();
  h.request_id = 2;
  h.payload_size = 3; // not sizeof(add)
  std::byte junk[3]{};
  REQUIRE(ch.try_send(h, junk));
  REQUIRE(ch.try_send_message<adder>(add{2, 3}, 3));
  auto unknown = receive(ch);
  auto malformed = receive(ch);
  auto sum = receive(ch);
  REQUIRE(unknown);
  REQUIRE(malformed);
  REQUIRE(sum);
  CHECK(unknown->header.kind == slot_kind::error);
  CHECK(unknown->header.error_code == static_cast<std::uint32_t>(kernel_error::unknown_message));
  CHECK(malformed->header.error_code
        == static_cast<std::uint32_t>(kernel_error::malformed_message));
  CHECK(sum->as<std::int32_t>() == 5);
  ch.control().request_drain();
  runner.join();
  CHECK(ch.control().state() == kernel_state::terminated);
}

TEST_CASE("the heartbeat advances while the loop is busy and while it is parked") {
  kernel_channel ch;
  ch.set_poll_slice(1ms);
  cpu_kernel_runner<adder> runner{adder{}, ch, {.heartbeat_interval = 2ms, .spin_before_park = 10}};
  runner.start();
  auto cb = ch.control();
  auto h0 = cb.heartbeat();
  REQUIRE(eventually(ch, [&] { return cb.heartbeat() >= h0 + 3; }));
  // Idle now: the loop parks on the doorbell and wakes each interval to beat.
  REQUIRE(eventually(ch, [&] {
    return dev::atomic_load(cb.get().h2k_doorbell.sleeping, mem_order::relaxed) == 1;
  }));
  auto h1 = cb.heartbeat();
  REQUIRE(eventually(ch, [&] { return cb.heartbeat() >= h1 + 3; }));
  CHECK(cb.messages_processed() == 0);
  cb.request_terminate();
  runner.join();
}

TEST_CASE("a parked loop is woken by the next push, not by its heartbeat timeout") {
  kernel_channel ch;
  ch.set_poll_slice(1ms);
  // A heartbeat of a minute: if the push did not wake the loop, the reply
  // would take a minute and the receive below would time out.
  cpu_kernel_runner<adder> runner{adder{}, ch, {.heartbeat_interval = 60s, .spin_before_park = 10}};
  runner.start();
  auto& bell = ch.control().get().h2k_doorbell;
  for (std::int32_t round = 0; round < 20; ++round) {
    REQUIRE(eventually(ch,
                       [&] { return dev::atomic_load(bell.sleeping, mem_order::relaxed) == 1; }));
    REQUIRE(ch.try_send_message<adder>(add{round, round}, 1 + round));
    auto r = receive(ch, 10s);
    REQUIRE(r);
    CHECK(r->as<std::int32_t>() == 2 * round);
  }
  ch.control().request_terminate(); // also rings the doorbell
  runner.join();
  CHECK(ch.control().state() == kernel_state::terminated);
}

TEST_CASE("drain handles every queued message before terminating") {
  kernel_channel ch;
  for (std::int32_t i = 0; i < 50; ++i)
    REQUIRE(ch.try_send_message<adder>(add{i, i}, 1 + i));
  ch.control().request_drain(); // before the kernel even starts
  cpu_kernel_runner<adder> runner{adder{}, ch};
  runner.start();
  runner.join();
  CHECK(ch.control().state() == kernel_state::terminated);
  CHECK(ch.control().messages_processed() == 50);
  CHECK(ch.h2k_depth() == 0);
  for (std::int32_t i = 0; i < 50; ++i) {
    auto r = receive(ch, 1s);
    REQUIRE(r);
    CHECK(r->as<std::int32_t>() == 2 * i);
  }
}

TEST_CASE("terminate stops the loop and leaves queued messages unread for the host to answer") {
  kernel_channel ch;
  for (std::int32_t i = 0; i < 50; ++i)
    REQUIRE(ch.try_send_message<adder>(add{i, i}, 1 + i));
  ch.control().request_terminate();
  cpu_kernel_runner<adder> runner{adder{}, ch};
  runner.start();
  runner.join();
  CHECK(ch.control().state() == kernel_state::terminated);
  CHECK(ch.control().messages_processed() == 0);
  CHECK(ch.h2k_depth() == 50);
}

TEST_CASE("destroying a runner terminates its running kernel") {
  kernel_channel ch;
  {
    cpu_kernel_runner<adder> runner{adder{}, ch, {.spin_before_park = 10}};
    runner.start();
    REQUIRE(ch.try_send_message<adder>(add{1, 1}, 1));
    REQUIRE(receive(ch));
  }
  CHECK(ch.control().state() == kernel_state::terminated);
}

TEST_CASE("a full H2K ring pushes back while the kernel keeps draining it") {
  // Capacity 4 and 20,000 messages: the sender sees `full` many times and
  // retries; nothing is lost and the order holds.
  kernel_channel ch{channel_geometry{.h2k_capacity = 4, .k2h_capacity = 4, .slot_size = 128}};
  cpu_kernel_runner<adder> runner{adder{}, ch, {.spin_before_park = 100}};
  runner.start();
  constexpr std::int32_t count = 20'000;
  std::int32_t sent = 0;
  std::int32_t got = 0;
  std::uint64_t refused = 0;
  bool in_order = true;
  while (got < count) {
    bool progress = false;
    if (sent < count) {
      if (ch.try_send_message<adder>(add{sent, 1}, 1 + sent)) {
        ++sent;
        progress = true;
      } else {
        ++refused;
      }
    }
    slot_header h;
    alignas(64) std::byte buf[64];
    if (ch.try_receive(h, buf)) {
      std::int32_t v;
      std::memcpy(&v, buf, sizeof v);
      in_order = in_order && v == got + 1 && h.request_id == static_cast<std::uint64_t>(got + 1);
      ++got;
      progress = true;
    }
    // H2K full (or all sent) and K2H empty: the kernel is working; its next
    // reply wakes us.
    if (!progress)
      REQUIRE(ch.wait_until([&] { return ch.peek_received().header != nullptr; }, patience));
  }
  CHECK(in_order);
  CHECK(got == count);
  CHECK(refused > 0);
  ch.control().request_drain();
  runner.join();
  CHECK(ch.control().messages_processed() == count);
}

TEST_CASE("launch mode handles exactly one message per launch") {
  kernel_channel ch;
  cpu_kernel_runner<adder> runner{adder{}, ch, {.mode = loop_mode::launch}};
  runner.start();
  for (std::int64_t i = 1; i <= 3; ++i)
    REQUIRE(ch.try_send_message<adder>(accumulate{i}, i));
  auto cb = ch.control();
  runner.launch();
  CHECK(cb.messages_processed() == 1);
  CHECK(cb.state() == kernel_state::active);
  CHECK(ch.h2k_depth() == 2);
  runner.launch();
  runner.launch();
  CHECK(cb.messages_processed() == 3);
  runner.launch(); // an empty ring: the launch returns having done nothing
  CHECK(cb.messages_processed() == 3);
  std::int64_t totals[] = {1, 3, 6}; // state persisted across launches
  for (auto t : totals) {
    auto r = receive(ch, 1s);
    REQUIRE(r);
    CHECK(r->as<std::int64_t>() == t);
  }
  runner.join(); // a final launch that sees terminate
  CHECK(cb.state() == kernel_state::terminated);
  CHECK(runner.kernel().total == 6);
}

namespace {

struct burst {
  std::uint64_t destination;
  std::uint32_t count;
};

struct burst_note {
  std::uint32_t n;
};

/// Sends `count` notes to a K2K destination and tallies what ctx.send said.
struct host_burster {
  using inputs = message_list<burst>;
  using outputs = message_list<burst_note>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const burst& m) {
    for (std::uint32_t i = 0; i < m.count; ++i) {
      auto r = ctx.send(m.destination, burst_note{i});
      if (ctx.is_leader())
        ++outcomes[static_cast<std::uint32_t>(r)];
    }
  }

  std::uint32_t outcomes[6] = {}; ///< by k2k_send_result
};

} // namespace

TEST_CASE("a K2K send to a host endpoint given up on a full K2H at termination counts as "
          "host_queue_full, not too_large") {
  // K2H holds 2 slots and nobody takes them: the third send waits until the
  // host asks the kernel to terminate, then it and every later one give up.
  kernel_channel ch{channel_geometry{.h2k_capacity = 2, .k2h_capacity = 2, .slot_size = 128}};
  constexpr std::uint64_t host_endpoint = 42;
  k2k_route route;
  route.kind = static_cast<std::uint32_t>(k2k_route_kind::host);
  route.destination = host_endpoint;
  route.host_receiver = 7;
  k2k_port_ref port{ch.k2k_port_host()};
  port.publish_route(0, route);
  cpu_kernel_runner<host_burster> runner{host_burster{}, ch};
  runner.start();
  REQUIRE(ch.try_send_message<host_burster>(burst{host_endpoint, 10}));
  REQUIRE(eventually(ch, [&] { return ch.control().k2h_produced() == 2; }));
  ch.control().request_terminate();
  runner.join();
  const auto& outcomes = runner.kernel().outcomes;
  CHECK(outcomes[static_cast<std::uint32_t>(k2k_send_result::ok)] == 2);
  CHECK(outcomes[static_cast<std::uint32_t>(k2k_send_result::queue_full)] == 8);
  CHECK(outcomes[static_cast<std::uint32_t>(k2k_send_result::too_large)] == 0);
  CHECK(port.sent_to_host() == 2);
  CHECK(port.host_queue_full() == 8);
  CHECK(port.too_large() == 0);
}

TEST_SUITE_END();
