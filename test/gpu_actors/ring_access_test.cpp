// How the rings touch shared memory: payload copies in wide words with
// correct tails at every alignment, and the producer's credit, which spares
// it a read of the consumer's side on most pushes.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include <ringactor/gpu/channel.hpp>
#include <ringactor/gpu/ring.hpp>
#include <ringactor/gpu/wide_copy.hpp>

using namespace ringactor;

namespace {

/// A ring in its own host memory, with both ends.
struct credit_ring {
  credit_ring(std::uint32_t capacity, std::uint32_t slot_size)
    : memory(detail::allocate_aligned(ring_view::bytes_for(capacity, slot_size))),
      view(memory.get(), capacity, slot_size) {
    view.format();
    producer = ring_producer{view};
    consumer = ring_consumer{view};
  }

  bool push(std::uint64_t n) {
    slot_header h;
    h.type_id = 1;
    h.payload_size = sizeof(n);
    return producer.try_push(h, &n);
  }

  std::uint64_t pop() {
    slot_header h;
    std::uint64_t n = ~std::uint64_t{0};
    REQUIRE(consumer.try_pop(h, &n));
    return n;
  }

  detail::aligned_bytes memory;
  ring_view view;
  ring_producer producer;
  ring_consumer consumer;
};

} // namespace

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("a wide copy moves every byte and no other, at every length and alignment") {
  // 64-byte aligned buffers with a guard pattern; copies start at each
  // offset 0..16 of source and destination and run 0..200 bytes, so every
  // path (16-, 8-, 4-, 1-byte words) and every tail length occurs.
  auto src_memory = detail::allocate_aligned(512);
  auto dst_memory = detail::allocate_aligned(512);
  auto* src = reinterpret_cast<unsigned char*>(src_memory.get());
  auto* dst = reinterpret_cast<unsigned char*>(dst_memory.get());
  for (std::size_t i = 0; i < 512; ++i)
    src[i] = static_cast<unsigned char>(i * 7 + 3);
  std::size_t mismatches = 0;
  for (std::size_t src_off = 0; src_off <= 16; ++src_off) {
    for (std::size_t dst_off = 0; dst_off <= 16; ++dst_off) {
      for (std::size_t n = 0; n <= 200; ++n) {
        for (std::size_t i = 0; i < 512; ++i)
          dst[i] = 0xee;
        dev::copy_wide(dst + dst_off, src + src_off, n);
        for (std::size_t i = 0; i < 512; ++i) {
          bool inside = i >= dst_off && i < dst_off + n;
          unsigned char want = inside ? src[src_off + (i - dst_off)] : 0xee;
          if (dst[i] != want)
            ++mismatches;
        }
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("a wide copy uses 16-byte words between slot payloads and the widest both ends allow "
          "elsewhere") {
  alignas(64) unsigned char a[128] = {};
  alignas(64) unsigned char b[128] = {};
  CHECK(dev::copy_word_width(a + slot_payload_offset, b) == 16);
  CHECK(dev::copy_word_width(a + 8, b + 24) == 8);
  CHECK(dev::copy_word_width(a + 4, b) == 4);
  CHECK(dev::copy_word_width(a + 3, b + 16) == 1);
  // A null source with nothing to copy is an empty payload, not a crash.
  dev::copy_wide(a, nullptr, 0);
  CHECK(a[0] == 0);
}

TEST_CASE("a ring payload of odd length arrives intact after payloads of other lengths") {
  credit_ring r{4, 256};
  std::vector<std::byte> in(slot_payload_capacity(256));
  std::vector<std::byte> out(in.size());
  for (std::size_t i = 0; i < in.size(); ++i)
    in[i] = static_cast<std::byte>(i * 13 + 1);
  for (std::uint32_t size : {1u, 15u, 17u, 33u, 63u, 127u, 191u, 192u}) {
    slot_header h;
    h.type_id = 1;
    h.payload_size = size;
    REQUIRE(r.producer.try_push(h, in.data()));
    for (auto& x : out)
      x = std::byte{0};
    slot_header got;
    REQUIRE(r.consumer.try_pop(got, out.data()));
    REQUIRE(got.payload_size == size);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < out.size(); ++i)
      if (out[i] != (i < size ? in[i] : std::byte{0}))
        ++wrong;
    CHECK_MESSAGE(wrong == 0, "payload of ", size, " bytes");
  }
}

TEST_CASE("a producer whose consumer keeps up reads the consumer's side once per ring, not once "
          "per push") {
  credit_ring r{16, 128};
  // The first push finds the whole ring free with one read.
  REQUIRE(r.push(0));
  CHECK(r.producer.credit_reads() == 1);
  CHECK(r.producer.credit() == 15);
  CHECK(r.pop() == 0);
  // 16 * 10 more pushes, each popped at once: a refill every 16 pushes.
  for (std::uint64_t n = 1; n <= 160; ++n) {
    REQUIRE(r.push(n));
    REQUIRE(r.pop() == n);
  }
  CHECK(r.producer.credit_reads() <= 1 + 10);
}

TEST_CASE("a producer's credit never covers a slot the consumer still holds") {
  credit_ring r{8, 128};
  for (std::uint64_t n = 0; n < 8; ++n)
    REQUIRE(r.push(n));
  CHECK(r.producer.credit() == 0);
  CHECK(r.producer.credit_reads() == 1); // the first push found all 8 free
  CHECK_FALSE(r.push(8));                // full: a ring ahead, then the cursor
  CHECK(r.producer.credit_reads() == 3);
  // The consumer frees three slots: the producer finds credit for two of
  // them (a span of 2 is the largest power of two that fits), then one.
  CHECK(r.pop() == 0);
  CHECK(r.pop() == 1);
  CHECK(r.pop() == 2);
  REQUIRE(r.push(8));
  CHECK(r.producer.credit() == 1);
  REQUIRE(r.push(9));
  CHECK(r.producer.credit() == 0);
  REQUIRE(r.push(10));
  CHECK(r.producer.credit() == 0);
  CHECK_FALSE(r.push(11)); // the three freed slots are used; nothing lost
  for (std::uint64_t n = 3; n <= 10; ++n)
    CHECK(r.pop() == n);
}

TEST_SUITE_END();
