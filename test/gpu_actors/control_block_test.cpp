// The control block: its layout, its commands, and the states the kernel
// loop moves it through.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>

#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/control_block.hpp>
#include <ringactor/gpu/cpu_backend.hpp>

#include "test_kernels.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace gpu_test;

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE(
  "host-written and kernel-written fields of the control block sit on separate cache lines") {
  CHECK(offsetof(control_block, command) / 64 == 0);
  CHECK(offsetof(control_block, state) / 64 == 1);
  CHECK(offsetof(control_block, heartbeat) / 64 == 1);
  CHECK(offsetof(control_block, messages_processed) / 64 == 1);
  CHECK(offsetof(control_block, h2k_doorbell) / 64 == 2);
}

TEST_CASE("a fresh channel's kernel is launching, with nothing processed") {
  kernel_channel ch;
  auto cb = ch.control();
  CHECK(cb.state() == kernel_state::launching);
  CHECK(cb.command() == kernel_command::run);
  CHECK(cb.messages_processed() == 0);
  CHECK(cb.heartbeat() == 0);
  CHECK(cb.error_code() == 0);
  CHECK(ch.h2k_depth() == 0);
}

TEST_CASE("commands only escalate: a drain after a terminate stays a terminate") {
  kernel_channel ch;
  auto cb = ch.control();
  cb.request_drain();
  CHECK(cb.command() == kernel_command::drain);
  cb.request_terminate();
  CHECK(cb.command() == kernel_command::terminate);
  cb.request_drain();
  CHECK(cb.command() == kernel_command::terminate);
}

TEST_CASE("the kernel moves its state from launching to active to draining to terminated") {
  kernel_channel ch;
  alignas(64) std::uint32_t gate = 0;
  auto open_gate = [&](std::uint32_t ticket) {
    // Pairs with the acquire load in gated::handle.
    dev::atomic_store(gate, ticket, mem_order::release);
  };
  REQUIRE(ch.try_send_message<gated>(wait_for{1}, 1));
  REQUIRE(ch.try_send_message<gated>(wait_for{2}, 2));
  auto cb = ch.control();
  CHECK(cb.state() == kernel_state::launching);
  cpu_kernel_runner<gated> runner{gated{&gate}, ch, {.spin_before_park = 10}};
  runner.start();
  // The first message is in its handler, held at the gate.
  REQUIRE(eventually(ch, [&] { return cb.h2k_consumed() == 1; }));
  CHECK(cb.state() == kernel_state::active);
  cb.request_drain();
  open_gate(1);
  // The loop sees the drain before taking the second message, which now
  // waits at the gate.
  REQUIRE(eventually(ch, [&] { return cb.state() == kernel_state::draining; }));
  REQUIRE(eventually(ch, [&] { return cb.h2k_consumed() == 2; }));
  CHECK(cb.state() == kernel_state::draining);
  open_gate(2);
  runner.join();
  CHECK(cb.state() == kernel_state::terminated);
  CHECK(cb.messages_processed() == 2);
  auto r1 = receive(ch);
  auto r2 = receive(ch);
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->as<std::uint32_t>() == 1);
  CHECK(r2->as<std::uint32_t>() == 2);
}

TEST_CASE("a handler's fault ends the loop in faulted, with the code and an error reply") {
  kernel_channel ch;
  cpu_kernel_runner<faulty> runner{faulty{}, ch};
  runner.start();
  REQUIRE(ch.try_send_message<faulty>(echo{7}, 1));
  REQUIRE(ch.try_send_message<faulty>(fail{42}, 2));
  REQUIRE(ch.try_send_message<faulty>(echo{8}, 3));
  runner.join(); // the fault ends the loop by itself
  auto cb = ch.control();
  CHECK(cb.state() == kernel_state::faulted);
  CHECK(cb.error_code() == static_cast<std::uint32_t>(kernel_error::handler_fault));
  CHECK(cb.fault_detail() == 42);
  CHECK(cb.messages_processed() == 2);
  CHECK(ch.h2k_depth() == 1); // the message after the fault stays unread
  auto ok = receive(ch);
  REQUIRE(ok);
  CHECK(ok->header.kind == slot_kind::reply);
  CHECK(ok->as<std::int32_t>() == 7);
  auto err = receive(ch);
  REQUIRE(err);
  CHECK(err->header.kind == slot_kind::error);
  CHECK(err->header.request_id == 2);
  CHECK(err->header.error_code == static_cast<std::uint32_t>(kernel_error::handler_fault));
}

TEST_SUITE_END();
