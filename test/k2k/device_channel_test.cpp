// Device channels: kernels that send to kernels with no host involvement
// (CPU backend here; the same loop and memory layout as on CUDA).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/cuda_backend.hpp>
#include <ringactor/gpu/k2k_port.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/k2k/broker.hpp>

#include "device_channel_kernels.hpp"
#include "gpu_actors/test_util.hpp"
#include "k2k_test_util.hpp"

namespace k2k_device_test {
// Tokens may cross brokers (kernels' routed sends).
RINGACTOR_K2K_ROUTABLE(token, "k2k.test.tokens")
} // namespace k2k_device_test

using namespace ringactor;
using namespace std::chrono_literals;
using gpu_test::have_cuda_device;
using k2k_device_test::consumer;
using k2k_device_test::counts;
using k2k_device_test::emit;
using k2k_device_test::emitted;
using k2k_device_test::get_counts;
using k2k_device_test::producer;
using k2k_device_test::token;
using k2k_test::eventually;
using k2k_test::stats_of;

namespace {

using producer_if = typed_actor<result<emitted>(emit)>;
using consumer_if = typed_actor<result<counts>(get_counts), result<void>(token)>;

constexpr std::uint32_t broker_node = 7;

actor_system_config device_test_config() {
  return actor_system_config{}.set_workers(2);
}

kernel_config kernel_on(kernel_backend backend, const char* name) {
  kernel_config cfg;
  cfg.backend = backend;
  cfg.name = name;
  // Sanitizer builds run much slower; a gated consumer must not count as stalled.
  cfg.stall_timeout = 120s;
  return cfg;
}

kernel_config cpu_kernel(const char* name) {
  return kernel_on(kernel_backend::cpu, name);
}

k2k::broker make_broker(actor_system& sys) {
  return k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(broker_node)});
}

template <class Handle>
void register_at(scoped_actor& self, const k2k::broker& b, const char* name, const Handle& h,
                 std::uint32_t channel_capacity = 0) {
  k2k::register_endpoint reg{name, h};
  reg.channel_capacity = channel_capacity;
  auto r = self->request(b, 5s, std::move(reg)).get();
  REQUIRE(r.has_value());
}

consumer_if spawn_consumer(actor_system& sys, std::uint32_t* gate = nullptr,
                           kernel_backend backend = kernel_backend::cpu) {
  consumer c;
  c.gate = gate; // host memory: CPU backend only
  c.sender = k2k_address("prod");
  c.node = broker_node;
  return spawn_kernel<consumer_if>(sys, c, kernel_on(backend, "cons"));
}

counts counts_of(scoped_actor& self, const consumer_if& c) {
  auto r = self->request(c, 10s, get_counts{}).get();
  REQUIRE(r.has_value());
  return *r;
}

void open_gate(std::uint32_t& gate) {
  // Pairs with the consumer's acquire load of the gate.
  dev::atomic_store(gate, std::uint32_t{1}, mem_order::release);
}

/// A producer and a consumer kernel registered at one broker, the consumer's
/// channels `Capacity` slots deep; the consumer holds its first token at
/// `gate` until open_gate(gate).
template <std::uint32_t Capacity>
struct gated_pair {
  gated_pair() {
    register_at(self, b, "prod", prod);
    register_at(self, b, "cons", cons, Capacity);
  }

  actor_system sys{device_test_config()};
  k2k::broker b = make_broker(sys);
  scoped_actor self{sys};
  std::uint32_t gate = 0;
  producer_if prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  consumer_if cons = spawn_consumer(sys, &gate);
};

} // namespace

TEST_SUITE_BEGIN("k2k");

namespace {

void carry_million(kernel_backend backend) {
  actor_system sys{device_test_config()};
  auto b = make_broker(sys);
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, kernel_on(backend, "prod"));
  auto cons = spawn_consumer(sys, nullptr, backend);
  register_at(self, b, "prod", prod);
  register_at(self, b, "cons", cons);
  auto st = stats_of(self, b);
  REQUIRE(st.device_channel("prod", "cons") != nullptr);
  REQUIRE(st.device_channel("cons", "prod") != nullptr);

  constexpr std::uint64_t total = 1'000'000;
  constexpr std::uint32_t batch = 10'000;
  std::uint64_t sent = 0;
  for (std::uint64_t first = 0; first < total; first += batch) {
    auto r = self->request(prod, 60s, emit{k2k_address("cons"), first, batch, 1}).get();
    REQUIRE(r.has_value());
    REQUIRE(r->last == static_cast<std::uint32_t>(k2k_send_result::ok));
    sent += r->sent;
  }
  CHECK(sent == total);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == total; }, 120s));
  auto c = counts_of(self, cons);
  CHECK(c.received == total);
  CHECK(c.torn == 0);
  CHECK(c.out_of_order == 0);
  CHECK(c.bad_origin == 0);
  CHECK(c.next_seq == total);
  st = stats_of(self, b);
  auto* ch = st.device_channel("prod", "cons");
  REQUIRE(ch != nullptr);
  CHECK(ch->sent == total);
  CHECK(ch->received == total);
  CHECK(ch->depth() == 0);
  // The host broker delivered nothing: the messages never left the device.
  CHECK(st.delivered == 0);
  CHECK(st.accepted == 0);
}

} // namespace

TEST_CASE("a kernel-to-kernel device channel carries 1,000,000 checksummed messages, none "
          "lost or torn") {
  carry_million(kernel_backend::cpu);
}

TEST_CASE("on CUDA, a device channel in device memory carries 1,000,000 checksummed messages"
          * doctest::test_suite("cuda_device")) {
  if (have_cuda_device())
    carry_million(kernel_backend::cuda);
}

TEST_CASE_FIXTURE(
  gated_pair<4>,
  "a full device channel reports queue_full to the kernel and in the statistics, and "
  "loses nothing it accepted") {
  // The consumer takes the first token and waits at the gate; four more fill
  // the channel; the next send finds it full.
  auto r = self->request(prod, 10s, emit{k2k_address("cons"), 0, 100, 0}).get();
  REQUIRE(r.has_value());
  CHECK(r->last == static_cast<std::uint32_t>(k2k_send_result::queue_full));
  CHECK(r->refused == 1);
  CHECK(r->sent >= 4);
  CHECK(r->sent <= 5);
  auto st = stats_of(self, b);
  auto* ch = st.device_channel("prod", "cons");
  REQUIRE(ch != nullptr);
  CHECK(ch->capacity == 4);
  CHECK(ch->queue_full == 1);
  CHECK(st.device_queue_full == 1);
  open_gate(gate);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == r->sent; }));
  auto c = counts_of(self, cons);
  CHECK(c.torn == 0);
  CHECK(c.out_of_order == 0);
}

TEST_CASE("a send to an unknown destination yields not_found, counted per kernel") {
  actor_system sys{device_test_config()};
  auto b = make_broker(sys);
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  register_at(self, b, "prod", prod);
  auto r = self->request(prod, 10s, emit{k2k_address("nobody"), 0, 3, 1}).get();
  REQUIRE(r.has_value());
  CHECK(r->last == static_cast<std::uint32_t>(k2k_send_result::not_found));
  CHECK(r->sent == 0);
  auto st = stats_of(self, b);
  REQUIRE(st.kernel_sends.size() == 1);
  CHECK(st.kernel_sends[0].kernel_id == "prod");
  CHECK(st.kernel_sends[0].not_found == 1);
  // A kernel that no broker registered has no routes at all.
  auto loose = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("loose"));
  auto r2 = self->request(loose, 10s, emit{k2k_address("prod"), 0, 1, 1}).get();
  REQUIRE(r2.has_value());
  CHECK(r2->last == static_cast<std::uint32_t>(k2k_send_result::not_found));
}

TEST_CASE("a kernel's send to a host endpoint arrives at the host actor through K2H") {
  actor_system sys{device_test_config()};
  auto b = make_broker(sys);
  scoped_actor self{sys};
  scoped_actor obs{sys};
  // A host actor that hands what it gets to the test.
  auto sink = sys.spawn([o = obs.as_actor()](event_based_actor* me) -> behavior {
    return {[me, o](const token& t) { me->send(o, t); }};
  });
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  register_at(self, b, "prod", prod);
  register_at(self, b, "sink", sink); // after the kernel: the route is added live
  auto r = self->request(prod, 10s, emit{k2k_address("sink"), 100, 20, 1}).get();
  REQUIRE(r.has_value());
  CHECK(r->last == static_cast<std::uint32_t>(k2k_send_result::ok));
  CHECK(r->sent == 20);
  std::vector<std::uint64_t> seqs;
  bool all_intact = true;
  for (int i = 0; i < 20; ++i) {
    bool got = false;
    obs->receive_for(10s, [&](const token& t) {
      got = true;
      seqs.push_back(t.seq);
      all_intact = all_intact && k2k_device_test::intact(t);
    });
    REQUIRE(got);
  }
  CHECK(all_intact);
  CHECK(seqs.front() == 100);
  CHECK(seqs.back() == 119);
  auto st = stats_of(self, b);
  REQUIRE(st.kernel_sends.size() == 1);
  CHECK(st.kernel_sends[0].sent_to_host == 20);
  CHECK(st.device_channels.empty());
  // Unregistering the host endpoint removes the route.
  REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"sink"}).get());
  auto r2 = self->request(prod, 10s, emit{k2k_address("sink"), 0, 1, 1}).get();
  REQUIRE(r2.has_value());
  CHECK(r2->last == static_cast<std::uint32_t>(k2k_send_result::not_found));
}

namespace {

void unregister_while_flowing(kernel_backend backend) {
  actor_system sys{device_test_config()};
  auto b = make_broker(sys);
  scoped_actor self{sys};
  scoped_actor driver{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, kernel_on(backend, "prod"));
  auto cons = spawn_consumer(sys, nullptr, backend);
  register_at(self, b, "prod", prod);
  register_at(self, b, "cons", cons, /*channel_capacity=*/64);
  // Enough tokens that the producer is still sending when the channel goes.
  auto pending = driver->request(prod, 120s, emit{k2k_address("cons"), 0, 50'000'000, 1});
  REQUIRE(eventually([&] { return counts_of(self, cons).received > 1000; }));
  REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"cons"}).get());
  auto r = pending.get();
  REQUIRE(r.has_value());
  CHECK(r->last == static_cast<std::uint32_t>(k2k_send_result::not_found));
  CHECK(r->sent < 50'000'000);
  // The producer lets go, the consumer takes what is left, then lets go;
  // the broker frees the channels.
  REQUIRE(eventually([&] { return stats_of(self, b).device_channels_retiring == 0; }, 30s));
  auto st = stats_of(self, b);
  CHECK(st.device_channels.empty());
  CHECK(st.device_lost_at_teardown == 0);
  auto c = counts_of(self, cons);
  CHECK(c.torn == 0);
  CHECK(c.out_of_order == 0);
  // Every send that returned ok was handled.
  CHECK(c.received == r->sent);
  CHECK(c.next_seq == r->sent);
  // The consumer kernel keeps running; registered again, it gets new channels.
  register_at(self, b, "cons", cons);
  auto again = self->request(prod, 10s, emit{k2k_address("cons"), c.next_seq, 10, 1}).get();
  REQUIRE(again.has_value());
  CHECK(again->sent == 10);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == c.received + 10; }));
  CHECK(counts_of(self, cons).out_of_order == 0);
}

} // namespace

TEST_CASE("unregistering a kernel while messages flow tears its channels down without a hang "
          "and delivers every message sent before") {
  unregister_while_flowing(kernel_backend::cpu);
}

TEST_CASE("on CUDA, unregistering a kernel while messages flow delivers every message sent "
          "before"
          * doctest::test_suite("cuda_device")) {
  if (have_cuda_device())
    unregister_while_flowing(kernel_backend::cuda);
}

TEST_CASE_FIXTURE(gated_pair<64>,
                  "messages a kernel left in a channel when it was unregistered still reach their "
                  "receiver") {
  // The consumer takes the first token and waits at the gate; 39 stay in
  // the channel.
  auto r = self->request(prod, 10s, emit{k2k_address("cons"), 0, 40, 0}).get();
  REQUIRE(r.has_value());
  REQUIRE(r->sent == 40);
  REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"prod"}).get());
  // The producer's route is gone at once...
  auto r2 = self->request(prod, 10s, emit{k2k_address("cons"), 40, 1, 0}).get();
  REQUIRE(r2.has_value());
  CHECK(r2->last == static_cast<std::uint32_t>(k2k_send_result::not_found));
  // ...but the channel waits for its receiver, which is held at the gate.
  CHECK(stats_of(self, b).device_channels_retiring > 0);
  open_gate(gate);
  REQUIRE(eventually([&] { return stats_of(self, b).device_channels_retiring == 0; }, 30s));
  auto c = counts_of(self, cons);
  CHECK(c.received == 40);
  CHECK(c.torn == 0);
  CHECK(c.out_of_order == 0);
  CHECK(c.bad_origin == 0);
  CHECK(stats_of(self, b).device_lost_at_teardown == 0);
}

TEST_CASE_FIXTURE(gated_pair<64>,
                  "a kernel registered again while its old channels drain gets new ones and loses "
                  "nothing, and its peer's messages stay in order") {
  auto r = self->request(prod, 10s, emit{k2k_address("cons"), 0, 40, 0}).get();
  REQUIRE(r.has_value());
  REQUIRE(r->sent == 40);
  // The consumer is held at the gate with 39 tokens in its old channel.
  REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"cons"}).get());
  register_at(self, b, "cons", cons, /*channel_capacity=*/64);
  CHECK(stats_of(self, b).device_channels_retiring > 0);
  auto r2 = self->request(prod, 10s, emit{k2k_address("cons"), 40, 10, 1}).get();
  REQUIRE(r2.has_value());
  CHECK(r2->sent == 10);
  open_gate(gate);
  REQUIRE(eventually([&] { return stats_of(self, b).device_channels_retiring == 0; }, 30s));
  REQUIRE(eventually([&] { return counts_of(self, cons).received == 50; }));
  auto c = counts_of(self, cons);
  CHECK(c.torn == 0);
  // The consumer took the old channel's 39 tokens before the new one's 10.
  CHECK(c.out_of_order == 0);
  CHECK(c.next_seq == 50);
  auto st = stats_of(self, b);
  CHECK(st.device_lost_at_teardown == 0);
  auto* ch = st.device_channel("prod", "cons");
  REQUIRE(ch != nullptr);
  CHECK(ch->sent == 10);
  CHECK(ch->received == 10);
  // Both directions still work on the new channels.
  auto r3 = self->request(prod, 10s, emit{k2k_address("cons"), 50, 5, 1}).get();
  REQUIRE(r3.has_value());
  CHECK(r3->sent == 5);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == 55; }));
}

TEST_CASE_FIXTURE(
  gated_pair<64>,
  "a sender registered again while its old channel drains has its messages taken in "
  "the order it sent them") {
  // Two generations of the sender's channel, each holding tokens when the
  // next one comes: 0..39 (the consumer waits at the gate holding token 0),
  // then 40..59, then 60..79 on the live channel.
  std::uint64_t first = 0;
  for (std::uint32_t round = 0; round < 3; ++round) {
    std::uint32_t n = round == 0 ? 40 : 20;
    auto r = self->request(prod, 10s, emit{k2k_address("cons"), first, n, 1}).get();
    REQUIRE(r.has_value());
    REQUIRE(r->sent == n);
    first += n;
    if (round < 2) {
      REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"prod"}).get());
      register_at(self, b, "prod", prod);
    }
  }
  CHECK(stats_of(self, b).device_channels_retiring > 0);
  open_gate(gate);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == first; }, 30s));
  auto c = counts_of(self, cons);
  CHECK(c.torn == 0);
  CHECK(c.out_of_order == 0);
  CHECK(c.next_seq == first);
  REQUIRE(eventually([&] { return stats_of(self, b).device_channels_retiring == 0; }, 30s));
  CHECK(stats_of(self, b).device_lost_at_teardown == 0);
}

TEST_CASE_FIXTURE(gated_pair<64>,
                  "a sender registered again under another name while its old channel drains "
                  "has its messages taken in the order it sent them") {
  // 0..39 wait in the channel of "prod" (the consumer holds token 0 at the
  // gate); the same kernel, registered again as "prod-b", sends 40..59 on a
  // new channel. Its messages are one sender's, whatever its name.
  auto r = self->request(prod, 10s, emit{k2k_address("cons"), 0, 40, 0}).get();
  REQUIRE(r.has_value());
  REQUIRE(r->sent == 40);
  REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"prod"}).get());
  register_at(self, b, "prod-b", prod);
  auto r2 = self->request(prod, 10s, emit{k2k_address("cons"), 40, 20, 1}).get();
  REQUIRE(r2.has_value());
  REQUIRE(r2->sent == 20);
  CHECK(stats_of(self, b).device_channels_retiring > 0);
  open_gate(gate);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == 60; }, 30s));
  auto c = counts_of(self, cons);
  CHECK(c.torn == 0);
  CHECK(c.out_of_order == 0);
  CHECK(c.next_seq == 60);
  REQUIRE(eventually([&] { return stats_of(self, b).device_channels_retiring == 0; }, 30s));
  CHECK(stats_of(self, b).device_lost_at_teardown == 0);
}

TEST_CASE_FIXTURE(gated_pair<64>,
                  "a kernel that never let go of its retired channels is not given new ones when "
                  "registered again at the same broker") {
  // The consumer takes token 0 and waits at the gate, inside its handler:
  // it acknowledges nothing, so its retired channels are given up on (their
  // memory and port claims kept for good) once the limits run out.
  auto r = self->request(prod, 10s, emit{k2k_address("cons"), 0, 1, 0}).get();
  REQUIRE(r.has_value());
  REQUIRE(r->sent == 1);
  REQUIRE(eventually([&] {
    auto st = stats_of(self, b);
    auto* ch = st.device_channel("prod", "cons");
    return ch != nullptr && ch->received == 1;
  }));
  REQUIRE(self->request(b, 5s, k2k::unregister_endpoint{"cons"}).get());
  REQUIRE(eventually([&] { return stats_of(self, b).device_channels_retiring == 0; }, 60s));
  // The kernel may still use the entries it never let go of: registered
  // again, it must not get fresh ones in its port, only host routes.
  register_at(self, b, "cons", cons);
  auto st = stats_of(self, b);
  CHECK(st.device_channel("prod", "cons") == nullptr);
  CHECK(st.device_channel("cons", "prod") == nullptr);
  open_gate(gate);
  auto r2 = self->request(prod, 10s, emit{k2k_address("cons"), 1, 5, 1}).get();
  REQUIRE(r2.has_value());
  CHECK(r2->sent == 5);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == 6; }));
  auto c = counts_of(self, cons);
  CHECK(c.torn == 0);
  CHECK(c.out_of_order == 0);
}

TEST_CASE("a kernel on another device is reached through the host, in order and intact") {
  actor_system sys{device_test_config()};
  auto b = make_broker(sys);
  scoped_actor self{sys};
  auto prod_cfg = cpu_kernel("prod");
  prod_cfg.device = 1; // the consumer is on device 0
  auto prod = spawn_kernel<producer_if>(sys, producer{}, prod_cfg);
  auto cons = spawn_consumer(sys);
  register_at(self, b, "prod", prod);
  register_at(self, b, "cons", cons);
  auto st = stats_of(self, b);
  CHECK(st.device_channels.empty());
  constexpr std::uint32_t n = 2'000;
  auto r = self->request(prod, 30s, emit{k2k_address("cons"), 0, n, 1}).get();
  REQUIRE(r.has_value());
  CHECK(r->last == static_cast<std::uint32_t>(k2k_send_result::ok));
  CHECK(r->sent == n);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == n; }, 30s));
  auto c = counts_of(self, cons);
  CHECK(c.torn == 0);
  CHECK(c.out_of_order == 0);
  st = stats_of(self, b);
  auto p = std::find_if(st.kernel_sends.begin(), st.kernel_sends.end(),
                        [](auto& x) { return x.kernel_id == "prod"; });
  REQUIRE(p != st.kernel_sends.end());
  CHECK(p->sent_to_host == n);
}

TEST_CASE("a kernel whose inbound channels are all taken is reached through the host") {
  actor_system sys{device_test_config()};
  auto b = make_broker(sys);
  scoped_actor self{sys};
  auto cons = spawn_consumer(sys);
  register_at(self, b, "cons", cons, /*channel_capacity=*/8);
  // Each producer takes one of the consumer's inbound channels; one more
  // than there are gets a host route instead.
  std::vector<producer_if> prods;
  for (std::uint32_t i = 0; i <= k2k_max_inbound; ++i) {
    auto name = "p" + std::to_string(i);
    prods.push_back(spawn_kernel<producer_if>(sys, producer{}, cpu_kernel(name.c_str())));
    register_at(self, b, name.c_str(), prods.back(), /*channel_capacity=*/8);
  }
  auto st = stats_of(self, b);
  auto last = "p" + std::to_string(k2k_max_inbound);
  CHECK(st.device_channel("p0", "cons") != nullptr);
  CHECK(st.device_channel(last, "cons") == nullptr);
  auto r = self->request(prods.back(), 10s, emit{k2k_address("cons"), 0, 100, 1}).get();
  REQUIRE(r.has_value());
  CHECK(r->last == static_cast<std::uint32_t>(k2k_send_result::ok));
  CHECK(r->sent == 100);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == 100; }, 30s));
  auto c = counts_of(self, cons);
  CHECK(c.torn == 0);
  CHECK(c.out_of_order == 0);
}

TEST_CASE("a kernel endpoint that exits loses its channels; its peer then gets not_found") {
  actor_system sys{device_test_config()};
  auto b = make_broker(sys);
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  auto cons = spawn_consumer(sys);
  register_at(self, b, "prod", prod);
  register_at(self, b, "cons", cons);
  auto r = self->request(prod, 10s, emit{k2k_address("cons"), 0, 100, 1}).get();
  REQUIRE(r.has_value());
  REQUIRE(r->sent == 100);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == 100; }));
  self->send_exit(cons, error{exit_reason::user_shutdown});
  REQUIRE(eventually([&] {
    auto st = stats_of(self, b);
    return st.registered_endpoints == 1 && st.device_channels_retiring == 0;
  }));
  auto r2 = self->request(prod, 10s, emit{k2k_address("cons"), 100, 1, 1}).get();
  REQUIRE(r2.has_value());
  CHECK(r2->last == static_cast<std::uint32_t>(k2k_send_result::not_found));
}

TEST_CASE("the same message type numbered differently by two kernels is translated on the "
          "channel, and a type the receiver does not accept is not_accepted") {
  actor_system sys{device_test_config()};
  auto b = make_broker(sys);
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  // token is the consumer's input 2 and the producer's output 1.
  auto cons = spawn_consumer(sys);
  // A kernel that accepts no token at all.
  auto other = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("other"));
  register_at(self, b, "prod", prod);
  register_at(self, b, "cons", cons);
  register_at(self, b, "other", other);
  auto ok = self->request(prod, 10s, emit{k2k_address("cons"), 0, 5, 1}).get();
  REQUIRE(ok.has_value());
  CHECK(ok->sent == 5);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == 5; }));
  CHECK(counts_of(self, cons).torn == 0);
  auto no = self->request(prod, 10s, emit{k2k_address("other"), 0, 5, 1}).get();
  REQUIRE(no.has_value());
  CHECK(no->last == static_cast<std::uint32_t>(k2k_send_result::not_accepted));
  auto st = stats_of(self, b);
  auto p = std::find_if(st.kernel_sends.begin(), st.kernel_sends.end(),
                        [](auto& x) { return x.kernel_id == "prod"; });
  REQUIRE(p != st.kernel_sends.end());
  CHECK(p->not_accepted == 1);
  CHECK(st.device_channels.size() == 6); // three kernels, both directions
}

TEST_CASE("a kernel's send to a destination behind a route is routed by its broker across "
          "brokers") {
  actor_system sys{device_test_config()};
  auto a = make_broker(sys);
  auto b = k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(8)});
  scoped_actor self{sys};
  scoped_actor obs{sys};
  // At b: a host actor that confirms each token and hands it to the test.
  auto sink = sys.spawn([o = obs.as_actor()](event_based_actor* me) -> behavior {
    return {[me, o](const token& t) { me->send(o, t); }};
  });
  register_at(self, b, "sink", sink);
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  register_at(self, a, "prod", prod);
  register_at(self, a, "b", actor{b.ctrl()});
  // Before the route, the kernel cannot name the sink.
  auto none = self->request(prod, 10s, emit{k2k_address("sink"), 0, 1, 0}).get();
  REQUIRE(none.has_value());
  CHECK(none->last == static_cast<std::uint32_t>(k2k_send_result::not_found));
  REQUIRE(self->request(a, 5s, k2k::add_route{"sink", "b"}).get());
  constexpr std::uint32_t n = 50;
  auto r = self->request(prod, 10s, emit{k2k_address("sink"), 0, n, 1}).get();
  REQUIRE(r.has_value());
  CHECK(r->last == static_cast<std::uint32_t>(k2k_send_result::ok));
  CHECK(r->sent == n);
  std::vector<bool> seen(n, false);
  bool all_intact = true;
  for (std::uint32_t i = 0; i < n; ++i) {
    bool got = false;
    obs->receive_for(10s, [&](const token& t) {
      got = true;
      all_intact = all_intact && k2k_device_test::intact(t);
      if (t.seq < n)
        seen[t.seq] = true;
    });
    REQUIRE(got);
  }
  CHECK(all_intact);
  CHECK(std::all_of(seen.begin(), seen.end(), [](bool x) { return x; }));
  // a forwarded each one (a forward counts once b confirmed it), b delivered it.
  REQUIRE(eventually([&] { return stats_of(self, a).forwarded == n; }));
  auto st = stats_of(self, a);
  CHECK(st.kernel_routed == n);
  CHECK(st.dropped.not_found == 0);
  auto p = std::find_if(st.kernel_sends.begin(), st.kernel_sends.end(),
                        [](auto& x) { return x.kernel_id == "prod"; });
  REQUIRE(p != st.kernel_sends.end());
  CHECK(p->sent_to_broker == n);
  CHECK(p->sent_to_host == 0);
  REQUIRE(eventually([&] { return stats_of(self, b).delivered == n; }));
  // Removing the route removes the kernel's way there.
  REQUIRE(self->request(a, 5s, k2k::remove_route{"sink"}).get());
  auto gone = self->request(prod, 10s, emit{k2k_address("sink"), n, 1, 0}).get();
  REQUIRE(gone.has_value());
  CHECK(gone->last == static_cast<std::uint32_t>(k2k_send_result::not_found));
}

TEST_CASE("a kernel's routed send caught in a routing loop ends in max_hops_exceeded") {
  actor_system sys{device_test_config()};
  auto a = make_broker(sys);
  auto b = k2k::spawn_broker(sys, {.max_hops = 3, .clock = std::make_shared<k2k::hybrid_clock>(8)});
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  register_at(self, a, "prod", prod);
  register_at(self, a, "b", actor{b.ctrl()});
  register_at(self, b, "a", actor{a.ctrl()});
  REQUIRE(self->request(a, 5s, k2k::add_route{"far", "b"}).get());
  REQUIRE(self->request(b, 5s, k2k::add_route{"far", "a"}).get());
  auto r = self->request(prod, 10s, emit{k2k_address("far"), 0, 3, 1}).get();
  REQUIRE(r.has_value());
  CHECK(r->sent == 3);
  // Each message bounces between the two until one of them refuses the hop.
  REQUIRE(eventually([&] {
    return stats_of(self, a).dropped.max_hops_exceeded + stats_of(self, b).dropped.max_hops_exceeded
           == 3;
  }));
  CHECK(stats_of(self, a).kernel_routed == 3);
  CHECK(stats_of(self, a).delivered + stats_of(self, b).delivered == 0);
}

TEST_CASE("routes added and removed many times leave kernels' route tables usable") {
  actor_system sys{device_test_config()};
  auto a = make_broker(sys);
  auto b = k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(8)});
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  register_at(self, a, "prod", prod);
  register_at(self, a, "b", actor{b.ctrl()});
  // More cycles than a kernel has route entries: each retired entry must be
  // acknowledged and freed, not left taken.
  for (std::uint32_t i = 0; i < 2 * k2k_max_routes; ++i) {
    REQUIRE(self->request(a, 5s, k2k::add_route{"x", "b"}).get());
    REQUIRE(self->request(a, 5s, k2k::remove_route{"x"}).get());
  }
  REQUIRE(eventually([&] { return stats_of(self, a).device_channels_retiring == 0; }));
  REQUIRE(self->request(a, 5s, k2k::add_route{"y", "b"}).get());
  auto r = self->request(prod, 10s, emit{k2k_address("y"), 0, 1, 1}).get();
  REQUIRE(r.has_value());
  CHECK(r->last == static_cast<std::uint32_t>(k2k_send_result::ok));
  REQUIRE(eventually([&] { return stats_of(self, b).dropped.not_found == 1; }));
}

TEST_CASE("an endpoint takes precedence over a route of the same name for kernels too") {
  actor_system sys{device_test_config()};
  auto a = make_broker(sys);
  auto b = k2k::spawn_broker(sys, {.clock = std::make_shared<k2k::hybrid_clock>(8)});
  scoped_actor self{sys};
  auto prod = spawn_kernel<producer_if>(sys, producer{}, cpu_kernel("prod"));
  register_at(self, a, "prod", prod);
  register_at(self, a, "b", actor{b.ctrl()});
  REQUIRE(self->request(a, 5s, k2k::add_route{"cons", "b"}).get());
  // A consumer kernel registered under the routed name gets a device channel.
  auto cons = spawn_consumer(sys);
  register_at(self, a, "cons", cons);
  REQUIRE(stats_of(self, a).device_channel("prod", "cons") != nullptr);
  auto r = self->request(prod, 10s, emit{k2k_address("cons"), 0, 10, 1}).get();
  REQUIRE(r.has_value());
  CHECK(r->sent == 10);
  REQUIRE(eventually([&] { return counts_of(self, cons).received == 10; }));
  CHECK(counts_of(self, cons).bad_origin == 0); // over the channel, not through b
  CHECK(stats_of(self, a).kernel_routed == 0);
  // Unregistered, the name is routed again: through a to b, which has no
  // such endpoint and answers not_found.
  REQUIRE(self->request(a, 5s, k2k::unregister_endpoint{"cons"}).get());
  auto again = self->request(prod, 10s, emit{k2k_address("cons"), 10, 1, 1}).get();
  REQUIRE(again.has_value());
  CHECK(again->last == static_cast<std::uint32_t>(k2k_send_result::ok));
  REQUIRE(eventually([&] { return stats_of(self, b).dropped.not_found == 1; }));
  CHECK(stats_of(self, a).kernel_routed == 1);
}

TEST_SUITE_END();
