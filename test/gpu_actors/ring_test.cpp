// The H2K/K2H ring on its own: backpressure, order, and no torn reads.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/ring.hpp>

using namespace ringactor;

namespace {

/// A ring in its own host memory, with both ends.
struct test_ring {
  test_ring(std::uint32_t capacity, std::uint32_t slot_size)
    : memory(detail::allocate_aligned(ring_view::bytes_for(capacity, slot_size))),
      view(memory.get(), capacity, slot_size) {
    view.format();
    producer = ring_producer{view};
    consumer = ring_consumer{view};
  }

  detail::aligned_bytes memory;
  ring_view view;
  ring_producer producer;
  ring_consumer consumer;
};

slot_header header_for(std::uint64_t n, std::uint32_t size) {
  slot_header h;
  h.type_id = 1;
  h.request_id = n;
  h.payload_size = size;
  return h;
}

bool push_number(ring_producer& p, std::uint64_t n) {
  return p.try_push(header_for(n, sizeof(n)), &n);
}

std::uint64_t pop_number(ring_consumer& c) {
  slot_header h;
  std::uint64_t n = ~std::uint64_t{0};
  REQUIRE(c.try_pop(h, &n));
  REQUIRE(h.payload_size == sizeof(n));
  CHECK(h.request_id == n);
  return n;
}

/// The payload of message n: `size` bytes derived from n, so that any byte
/// from another message or a half-written one shows.
std::uint32_t fill(std::byte* out, std::uint64_t n, std::uint32_t size) {
  std::uint32_t sum = 0;
  for (std::uint32_t i = 0; i < size; ++i) {
    auto b = static_cast<std::uint8_t>((n * 31 + i * 7) ^ (n >> 8));
    out[i] = std::byte{b};
    sum = sum * 33 + b;
  }
  return sum;
}

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("ring geometry must be a power-of-two capacity of 64-byte multiple slots") {
  CHECK(ring_view::valid_geometry(2, 128));
  CHECK(ring_view::valid_geometry(1024, 256));
  CHECK_FALSE(ring_view::valid_geometry(3, 128));
  CHECK_FALSE(ring_view::valid_geometry(1, 128));
  CHECK_FALSE(ring_view::valid_geometry(4, 64));
  CHECK_FALSE(ring_view::valid_geometry(4, 200));
  CHECK_THROWS_AS(kernel_channel(channel_geometry{.h2k_capacity = 6}), std::invalid_argument);
}

TEST_CASE("a full ring reports false and keeps every message it accepted") {
  test_ring r{4, 128};
  for (std::uint64_t n = 0; n < 4; ++n)
    CHECK(push_number(r.producer, n));
  CHECK_FALSE(r.producer.has_space());
  CHECK_FALSE(push_number(r.producer, 4));
  CHECK_FALSE(push_number(r.producer, 4)); // still full, still nothing lost
  CHECK(r.producer.cursor() == 4);
  CHECK(pop_number(r.consumer) == 0);
  CHECK(push_number(r.producer, 4)); // one slot freed, one message accepted
  CHECK_FALSE(push_number(r.producer, 5));
  for (std::uint64_t n = 1; n <= 4; ++n)
    CHECK(pop_number(r.consumer) == n);
  slot_header h;
  std::uint64_t x = 0;
  CHECK_FALSE(r.consumer.try_pop(h, &x));
}

TEST_CASE("messages come out in the order they went in, over many laps") {
  test_ring r{8, 128};
  std::uint64_t next_in = 0;
  std::uint64_t next_out = 0;
  // Uneven bursts so that the cursors wrap at every offset.
  for (int round = 0; round < 500; ++round) {
    for (int i = 0; i < round % 9; ++i)
      if (push_number(r.producer, next_in))
        ++next_in;
    for (int i = 0; i < (round * 5) % 7; ++i) {
      if (!r.consumer.ready())
        break;
      CHECK(pop_number(r.consumer) == next_out);
      ++next_out;
    }
  }
  while (r.consumer.ready())
    CHECK(pop_number(r.consumer) == next_out++);
  CHECK(next_out == next_in);
  CHECK(next_in > 1000);
}

TEST_CASE("a payload may fill the whole slot and is read back intact") {
  test_ring r{2, 128};
  std::vector<std::byte> in(r.view.payload_capacity());
  fill(in.data(), 42, static_cast<std::uint32_t>(in.size()));
  REQUIRE(r.producer.try_push(header_for(42, static_cast<std::uint32_t>(in.size())), in.data()));
  std::vector<std::byte> out(in.size());
  slot_header h;
  REQUIRE(r.consumer.try_pop(h, out.data()));
  CHECK(h.payload_size == in.size());
  CHECK(out == in);
}

TEST_CASE("two threads pass a million messages without a torn or lost one") {
  constexpr std::uint64_t count = 1'000'000;
  test_ring r{64, 128};
  const auto capacity = static_cast<std::uint32_t>(r.view.payload_capacity());
  std::thread producer{[&] {
    std::byte buf[128];
    for (std::uint64_t n = 0; n < count; ++n) {
      auto size = static_cast<std::uint32_t>(1 + n % capacity);
      auto h = header_for(n, size);
      h.sender_id = fill(buf, n, size); // the checksum travels in the header
      for (unsigned spins = 0; !r.producer.try_push(h, buf); ++spins)
        if (spins > 64)
          std::this_thread::yield();
    }
  }};
  std::uint64_t bad = 0;
  std::uint64_t expected = 0;
  std::byte buf[128];
  std::byte want[128];
  for (unsigned spins = 0; expected < count;) {
    auto msg = r.consumer.peek();
    if (msg.header == nullptr) {
      if (++spins > 64)
        std::this_thread::yield();
      continue;
    }
    spins = 0;
    auto h = *msg.header;
    std::memcpy(buf, msg.payload, h.payload_size);
    r.consumer.release();
    auto size = static_cast<std::uint32_t>(1 + expected % capacity);
    auto sum = fill(want, expected, size);
    if (h.request_id != expected || h.payload_size != size || h.sender_id != sum
        || std::memcmp(buf, want, size) != 0)
      ++bad;
    ++expected;
  }
  producer.join();
  CHECK(bad == 0);
  CHECK(expected == count);
  CHECK_FALSE(r.consumer.ready());
}

TEST_SUITE_END();
