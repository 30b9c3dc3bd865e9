// Buffers in remote messages (gpu/shared_device_buffer.hpp, remote/
// buffer_frames.hpp) across processes on 127.0.0.1: a shared_device_buffer
// field reaches a handler on the other node by content and comes back in a
// reply the same way; a handler keeps a buffer past its message; a buffer
// past the sender's max_message_size is refused there, naming the field;
// outside a node's frame a buffer is an error, never a pointer written out.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/binary_format.hpp>
#include <ringactor/gpu/cuda_backend.hpp>
#include <ringactor/gpu/shared_device_buffer.hpp>
#include <ringactor/remote/node.hpp>

#include "cluster_test_util.hpp"
#include "node_process.hpp"
#include "node_test_types.hpp"

using namespace ringactor;
using namespace node_test;
using namespace std::chrono_literals;

namespace {

/// `n` bytes of a pattern that differs for each `seed`.
std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::uint8_t>((i * 131 + seed) ^ (i >> 8));
  return out;
}

/// A buffer of host memory holding `bytes`.
shared_device_buffer<std::uint8_t> host_buffer(actor_system& sys,
                                               const std::vector<std::uint8_t>& bytes,
                                               kernel_backend backend = kernel_backend::cpu) {
  shared_device_buffer<std::uint8_t> out{
    allocate_device_buffer<std::uint8_t>(sys, bytes.size(), backend)};
  out.copy_from_host(bytes.data(), bytes.size());
  return out;
}

std::vector<std::uint8_t> contents(const shared_device_buffer<std::uint8_t>& b) {
  std::vector<std::uint8_t> out(b.size());
  b.copy_to_host(out.data(), out.size());
  return out;
}

/// The answer of `dest` to `msg` within 10 s: the reply or the error.
template <class Reply, class Msg>
expected<Reply> ask_for(actor_system& sys, const actor& dest, Msg msg) {
  scoped_actor self{sys};
  expected<Reply> out{error{sec::request_timeout}};
  self->request(dest, 10s, std::move(msg))
    .receive([&](Reply r) { out = std::move(r); }, [&](const error& e) { out = e; });
  return out;
}

} // namespace

TEST_SUITE_BEGIN("remote");

TEST_CASE("a shared_device_buffer field reaches a handler on another node by content, and a "
          "reply brings it back the same way") {
  node_process b{{"node-b", cluster_secret}};
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = must_start(remote::node::start(sys, local_config()));
  auto buffers = a->lookup(b.address(), "buffers");
  REQUIRE(buffers.has_value());
  std::uint8_t seed = 1;
  for (std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{4099}, std::size_t{1} << 20}) {
    INFO("size " << size);
    auto sent = pattern(size, seed++);
    auto reply = ask_for<blob>(sys, *buffers, blob{7, host_buffer(sys, sent)});
    REQUIRE_MESSAGE(reply.has_value(), (reply ? std::string{} : to_string(reply.error())));
    // What the handler hashed over there is what was sent from here ...
    CHECK_EQ(reply->id, fnv1a(sent.data(), sent.size()));
    // ... and the buffer it sent back holds the same bytes, in memory of
    // this node's own (host memory: the default backend without a GPU).
    CHECK_EQ(reply->data.size(), size);
    CHECK(contents(reply->data) == sent);
  }
  // A buffer of 0 elements travels as an empty one.
  auto empty = ask_for<blob>(sys, *buffers, blob{1, {}});
  REQUIRE(empty.has_value());
  CHECK_EQ(empty->data.size(), 0u);
  CHECK_FALSE(static_cast<bool>(empty->data));
}

TEST_CASE("a handler keeps a buffer that came in a message, past that message, and reads it "
          "later") {
  node_process b{{"node-b", cluster_secret}};
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = must_start(remote::node::start(sys, local_config()));
  auto buffers = a->lookup(b.address(), "buffers");
  REQUIRE(buffers.has_value());
  std::vector<float> first(1000);
  std::vector<float> second(70000);
  for (std::size_t i = 0; i < first.size(); ++i)
    first[i] = static_cast<float>(i) * 0.5f;
  for (std::size_t i = 0; i < second.size(); ++i)
    second[i] = 1.0f / static_cast<float>(i + 1);
  for (auto [id, values] :
       {std::pair{std::int64_t{1}, &first}, std::pair{std::int64_t{2}, &second}}) {
    shared_device_buffer<float> buf{
      allocate_device_buffer<float>(sys, values->size(), kernel_backend::cpu)};
    buf.copy_from_host(values->data(), values->size());
    auto kept = ask_for<ping>(sys, *buffers, keep_floats{id, buf});
    REQUIRE(kept.has_value());
    CHECK_EQ(kept->n, static_cast<std::int64_t>(values->size()));
  }
  // Other buffers come and go over there meanwhile (memory a freed buffer
  // had would be reused and overwritten).
  for (std::uint8_t i = 0; i < 8; ++i) {
    auto churn = ask_for<blob>(sys, *buffers, blob{0, host_buffer(sys, pattern(256 * 1024, i))});
    REQUIRE(churn.has_value());
  }
  auto later = ask_for<kept_values>(sys, *buffers, read_kept{1});
  REQUIRE(later.has_value());
  CHECK(later->values == first);
  later = ask_for<kept_values>(sys, *buffers, read_kept{2});
  REQUIRE(later.has_value());
  CHECK(later->values == second);
  // Here too: the field of a reply outlives the reply.
  shared_device_buffer<std::uint8_t> held;
  {
    auto reply = ask_for<blob>(sys, *buffers, blob{0, host_buffer(sys, pattern(5000, 9))});
    REQUIRE(reply.has_value());
    held = reply->data;
  }
  CHECK_EQ(held.use_count(), 1);
  CHECK(contents(held) == pattern(5000, 9));
}

TEST_CASE("a buffer past the sender's max_message_size is refused there with the field's path") {
  node_process b{{"node-b", cluster_secret}};
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto cfg = local_config();
  cfg.max_message_size = std::size_t{2} << 20;
  auto a = must_start(remote::node::start(sys, cfg));
  auto buffers = a->lookup(b.address(), "buffers");
  REQUIRE(buffers.has_value());
  auto refused = ask_for<blob>(sys, *buffers, blob{1, host_buffer(sys, pattern(3 << 20, 1))});
  REQUIRE_FALSE(refused.has_value());
  auto why = to_string(refused.error());
  CHECK_EQ(refused.error(), wire_errc::limit_exceeded);
  CHECK_NE(why.find("blob.data"), std::string::npos);
  CHECK_NE(why.find("max_message_size"), std::string::npos);
  CHECK_NE(why.find("3145728 bytes"), std::string::npos);
  CHECK_EQ(a->stats().sends_refused, 1u);
  // Up to the bound it goes, and the peer is still there.
  auto sent = pattern(2 << 20, 2);
  auto fits = ask_for<blob>(sys, *buffers, blob{1, host_buffer(sys, sent)});
  REQUIRE_MESSAGE(fits.has_value(), (fits ? std::string{} : to_string(fits.error())));
  CHECK_EQ(fits->id, fnv1a(sent.data(), sent.size()));
}

TEST_CASE("outside a node's frame a shared_device_buffer is an error naming the field, and an "
          "empty one is written as empty") {
  actor_system sys{actor_system_config{}.set_workers(1)};
  std::vector<std::byte> out;
  auto r = to_bytes(blob{1, host_buffer(sys, pattern(16, 3))}, out);
  REQUIRE_FALSE(r.has_value());
  CHECK_EQ(r.error(), wire_errc::not_inspectable);
  CHECK_NE(to_string(r.error()).find("blob.data"), std::string::npos);
  out.clear();
  REQUIRE(to_bytes(blob{1, {}}, out).has_value());
  blob back{5, host_buffer(sys, pattern(4, 4))};
  REQUIRE(from_bytes(std::span<const std::byte>{out}, back).has_value());
  CHECK_EQ(back.id, 1);
  CHECK_FALSE(static_cast<bool>(back.data));
}

TEST_CASE("a buffer in CUDA device memory travels staged through pinned host memory") {
  if (!cuda_backend_compiled() || cuda_device_count() == 0) {
    MESSAGE("skipped: no CUDA backend or no device in this process");
    return;
  }
  node_process b{{"node-b", cluster_secret}};
  actor_system sys{actor_system_config{}.set_workers(2)};
  auto a = must_start(remote::node::start(sys, local_config()));
  auto buffers = a->lookup(b.address(), "buffers");
  REQUIRE(buffers.has_value());
  auto sent = pattern((std::size_t{9} << 20) + 3, 5); // more than one staging chunk
  auto on_device = host_buffer(sys, sent, kernel_backend::cuda);
  REQUIRE_FALSE(on_device.host_visible());
  auto reply = ask_for<blob>(sys, *buffers, blob{0, on_device});
  REQUIRE_MESSAGE(reply.has_value(), (reply ? std::string{} : to_string(reply.error())));
  CHECK_EQ(reply->id, fnv1a(sent.data(), sent.size()));
  CHECK_FALSE(reply->data.host_visible()); // automatic: the device here
  CHECK(contents(reply->data) == sent);
}

TEST_SUITE_END();
