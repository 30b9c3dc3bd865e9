// NVTX ranges (gpu_actors/nvtx_ranges.hpp), checked without Nsight: the
// meson tests run this program with NVTX_INJECTION64_PATH naming the test
// tool nvtx_recorder (which this program also links, to read what it
// recorded), except gpu_actors_nvtx_no_tool, which runs the doctest suite
// "nvtx_no_tool" without it. The CUDA backend's ranges need a device (doctest
// suite "cuda_device", run by gpu_actors_nvtx_cuda, SKIP without one).
#include <doctest/doctest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/cuda_backend.hpp>
#include <ringactor/gpu/kernels/adder.hpp>

#include "../../gpu_actors/nvtx_ranges.hpp"
#include "nvtx_recorder.hpp"
#include "test_util.hpp"

using namespace ringactor;
using namespace gpu_test;
using detail::nvtx_range;
namespace names = detail::nvtx_names;
using nvtx_recorder::event;

static_assert(detail::nvtx_available, "this test is built only where NVTX is");

namespace {

bool tool_named() {
  return std::getenv("NVTX_INJECTION64_PATH") != nullptr;
}

std::string describe(const std::vector<event>& events) {
  std::string out;
  for (auto& e : events)
    out += (e.what == event::kind::push ? "push '" : "pop '") + e.name + "'\n";
  return out;
}

/// Whether every pop closes the innermost open range and none stays open.
bool balanced(const std::vector<event>& events) {
  std::vector<std::string> open;
  for (auto& e : events) {
    if (e.what == event::kind::push) {
      open.push_back(e.name);
    } else {
      if (open.empty() || open.back() != e.name)
        return false;
      open.pop_back();
    }
  }
  return open.empty();
}

/// How many ranges named `name` were pushed.
std::size_t pushes(const std::vector<event>& events, const std::string& name) {
  std::size_t n = 0;
  for (auto& e : events)
    n += e.what == event::kind::push && e.name == name ? 1 : 0;
  return n;
}

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("an nvtx range pushes its name in the ringactor domain and pops it when it goes") {
  REQUIRE_MESSAGE(tool_named(), "run by meson test, which names the tool in NVTX_INJECTION64_PATH");
  nvtx_recorder::clear();
  {
    nvtx_range outer{names::wait_launch};
    { nvtx_range inner{names::copy_to_host}; }
  }
  CHECK(nvtx_recorder::initializations() >= 1);
  CHECK(detail::nvtx_domain() != nullptr);
  auto events = nvtx_recorder::events_of_this_thread(names::domain);
  INFO(describe(events));
  REQUIRE(events.size() == 4);
  CHECK(events[0].what == event::kind::push);
  CHECK(events[0].name == "wait launch");
  CHECK(events[1].what == event::kind::push);
  CHECK(events[1].name == "copy to host");
  CHECK(events[2].what == event::kind::pop);
  CHECK(events[2].name == "copy to host");
  CHECK(events[3].what == event::kind::pop);
  CHECK(events[3].name == "wait launch");
  // Nothing outside the domain.
  CHECK(nvtx_recorder::events_of_this_thread("").empty());
}

TEST_CASE("an nvtx range is popped when an exception leaves its scope") {
  REQUIRE(tool_named());
  nvtx_recorder::clear();
  CHECK_THROWS_AS(
    [] {
      nvtx_range range{names::wait_bounded_launch};
      throw std::runtime_error{"launch failed"};
    }(),
    std::runtime_error);
  auto events = nvtx_recorder::events_of_this_thread(names::domain);
  INFO(describe(events));
  REQUIRE(events.size() == 2);
  CHECK(events[1].what == event::kind::pop);
  CHECK(events[1].name == "wait bounded launch");
}

TEST_CASE("nvtx ranges nest per thread: ranges on other threads do not close this one's") {
  REQUIRE(tool_named());
  nvtx_recorder::clear();
  constexpr int threads = 4;
  std::vector<std::thread> workers;
  // Each worker writes its own element; join() orders that before the reads.
  std::vector<std::thread::id> ids(threads);
  {
    nvtx_range mine{names::wait_join};
    for (int i = 0; i < threads; ++i)
      workers.emplace_back([&ids, i] {
        ids[static_cast<std::size_t>(i)] = std::this_thread::get_id();
        nvtx_range outer{names::copy_to_device};
        nvtx_range inner{names::zero_device_memory};
      });
    for (auto& t : workers)
      t.join();
  }
  auto all = nvtx_recorder::events();
  CHECK(all.size() == 2 + 4 * threads);
  auto events = nvtx_recorder::events_of_this_thread(names::domain);
  INFO(describe(events));
  REQUIRE(events.size() == 2);
  CHECK(events[0].name == "wait join");
  CHECK(events[1].what == event::kind::pop);
  CHECK(events[1].name == "wait join");
  for (auto id : ids) {
    std::vector<event> theirs;
    for (auto& e : all)
      if (e.thread == id)
        theirs.push_back(e);
    INFO(describe(theirs));
    CHECK(theirs.size() == 4);
    CHECK(balanced(theirs));
  }
}

TEST_CASE("with no NVTX tool injected, nvtx ranges attach nothing and record nothing"
          * doctest::test_suite("nvtx_no_tool")) {
  REQUIRE_MESSAGE(!tool_named(), "the meson test gpu_actors_nvtx_no_tool runs this without a tool");
  {
    nvtx_range outer{names::wait_launch};
    nvtx_range inner{names::copy_to_host};
  }
  CHECK(detail::nvtx_domain() == nullptr);
  CHECK(nvtx_recorder::initializations() == 0);
  CHECK(nvtx_recorder::events().empty());
}

TEST_CASE("a CUDA kernel's launches, waits and copies show as nested NVTX ranges"
          * doctest::test_suite("cuda_device")) {
  if (!have_cuda_device())
    return;
  REQUIRE(tool_named());
  using kernels::accumulate;
  using kernels::add;
  using kernels::adder;
  nvtx_recorder::clear();
  channel_geometry geometry{};
  {
    // Launch mode: one launch synchronized, one waited for with a bound.
    kernel_channel ch{geometry, allocate_mapped(kernel_channel::bytes_for(geometry))};
    ch.set_poll_slice(50us);
    auto runner = make_cuda_runner(adder{}, ch, {.mode = loop_mode::launch});
    REQUIRE(ch.try_send_message<adder>(accumulate{1}, 1));
    runner.launch();
    REQUIRE(ch.try_send_message<adder>(accumulate{2}, 2));
    REQUIRE(runner.launch_for(patience));
    for (std::int64_t total : {1, 3}) {
      auto r = receive(ch);
      REQUIRE(r);
      CHECK(r->as<std::int64_t>() == total);
    }
    adder back{};
    runner.read_state(&back);
    CHECK(back.total == 3);
  }
  {
    // Persistent: started, waited for while it runs, drained, joined.
    kernel_channel ch{geometry, allocate_mapped(kernel_channel::bytes_for(geometry))};
    ch.set_poll_slice(50us);
    auto runner = make_cuda_runner(adder{}, ch);
    runner.start();
    REQUIRE(ch.try_send_message<adder>(add{2, 3}, 7));
    auto r = receive(ch);
    REQUIRE(r);
    CHECK(r->as<std::int32_t>() == 5);
    CHECK(runner.join(1ms) == cuda_kernel_runner::status::running);
    ch.control().request_drain();
    CHECK(runner.join(patience) == cuda_kernel_runner::status::exited);
  }
  {
    auto memory = allocate_device(256);
    std::vector<std::byte> out(256, std::byte{7});
    std::vector<std::byte> in(256);
    copy_host_to_device(memory.device(), out.data(), out.size());
    copy_device_to_host(in.data(), memory.device(), in.size());
    CHECK(in == out);
  }
  auto events = nvtx_recorder::events_of_this_thread(names::domain);
  INFO(describe(events));
  CHECK(balanced(events));
  CHECK(pushes(events, "launch ringactor::kernels::adder") == 3);
  CHECK(pushes(events, "wait launch") == 1);
  CHECK(pushes(events, "wait bounded launch") == 1);
  CHECK(pushes(events, "copy state to device") == 2);
  CHECK(pushes(events, "copy state to host") == 1);
  CHECK(pushes(events, "wait join") >= 1);
  CHECK(pushes(events, "wait stream drain") == 2);
  CHECK(pushes(events, "zero device memory") == 1);
  CHECK(pushes(events, "copy to device") == 1);
  CHECK(pushes(events, "copy to host") == 1);
}

TEST_SUITE_END();
