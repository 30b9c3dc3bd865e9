// Kernels for the device channel tests and the k2k benchmark: a producer
// that a host message tells to send numbered, checksummed tokens to a K2K
// address, and a consumer that verifies and counts them.
#pragma once

#include <cstdint>

#include <ringactor/gpu/device.hpp>
#include <ringactor/gpu/k2k_port.hpp>
#include <ringactor/gpu/message_list.hpp>

namespace k2k_device_test {

using ringactor::k2k_send_result;
using ringactor::mem_order;
using ringactor::message_list;
namespace dev = ringactor::dev;

/// Sequence number, payload derived from it, and a checksum of both: a
/// torn message (parts of two sends) fails the check.
struct token {
  std::uint64_t seq;
  std::uint32_t words[12];
  std::uint64_t checksum;
};

RINGACTOR_HOST_DEVICE constexpr std::uint32_t word_of(std::uint64_t seq, std::uint32_t k) noexcept {
  auto x = seq * 0x9e3779b97f4a7c15ull + k * 0xbf58476d1ce4e5b9ull;
  x ^= x >> 31;
  return static_cast<std::uint32_t>(x * 0x94d049bb133111ebull >> 32);
}

RINGACTOR_HOST_DEVICE constexpr std::uint64_t checksum_of(const token& t) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull ^ t.seq;
  for (auto w : t.words) {
    h ^= w;
    h *= 0x100000001b3ull;
  }
  return h;
}

RINGACTOR_HOST_DEVICE constexpr token make_token(std::uint64_t seq) noexcept {
  token t{};
  t.seq = seq;
  for (std::uint32_t k = 0; k < 12; ++k)
    t.words[k] = word_of(seq, k);
  t.checksum = checksum_of(t);
  return t;
}

/// A token is intact if its checksum and every payload word match its seq.
RINGACTOR_HOST_DEVICE constexpr bool intact(const token& t) noexcept {
  if (checksum_of(t) != t.checksum)
    return false;
  for (std::uint32_t k = 0; k < 12; ++k)
    if (t.words[k] != word_of(t.seq, k))
      return false;
  return true;
}

/// Host -> producer: send tokens first .. first + count - 1 to `destination`.
/// With `retry`, a full channel is retried until it has room; otherwise the
/// producer stops at the first send that is not ok.
struct emit {
  std::uint64_t destination;
  std::uint64_t first;
  std::uint32_t count;
  std::uint32_t retry;
};

/// The producer's answer to emit.
struct emitted {
  std::uint64_t sent;    ///< sends that returned ok
  std::uint64_t refused; ///< queue_full returns (retried when asked to)
  std::uint32_t last;    ///< the last k2k_send_result
};

struct producer {
  using inputs = message_list<emit>;
  using outputs = message_list<token>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const emit& m) const {
    if (!ctx.is_leader())
      return;
    emitted out{0, 0, 0};
    for (std::uint32_t i = 0; i < m.count; ++i) {
      auto t = make_token(m.first + i);
      auto r = ctx.send(m.destination, t);
      while (r == k2k_send_result::queue_full && m.retry != 0) {
        ++out.refused;
        dev::pause();
        r = ctx.send(m.destination, t);
      }
      out.last = static_cast<std::uint32_t>(r);
      if (r == k2k_send_result::queue_full)
        ++out.refused;
      if (r != k2k_send_result::ok)
        break;
      ++out.sent;
    }
    ctx.reply(out);
  }
};

/// Host -> consumer: answered with its counts.
struct get_counts {};

struct counts {
  std::uint64_t received;     ///< tokens handled
  std::uint64_t torn;         ///< tokens whose checksum or payload did not match
  std::uint64_t out_of_order; ///< tokens whose seq was not the previous one + 1
  std::uint64_t bad_origin;   ///< not from_kernel(), wrong sender or stamp not increasing
  std::uint64_t next_seq;     ///< the seq expected next
};

/// Verifies and counts tokens. While `*gate` is 0 (a host-owned flag), a
/// token's handler waits: a slow consumer whose channel fills up.
struct consumer {
  using inputs = message_list<get_counts, token>;

  template <class Ctx>
  RINGACTOR_DEVICE counts handle(Ctx&, const get_counts&) const {
    return c;
  }

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const token& t) {
    if (!ctx.is_leader())
      return;
    // Pairs with the host's release store that opens the gate.
    while (gate != nullptr && dev::atomic_load(*gate, mem_order::acquire) == 0)
      dev::pause();
    ++c.received;
    if (!intact(t))
      ++c.torn;
    if (t.seq != c.next_seq)
      ++c.out_of_order;
    c.next_seq = t.seq + 1;
    auto stamp = ctx.header().stamp.word();
    if (!ctx.from_kernel() || ctx.sender_id() != sender || stamp <= last_stamp
        || ctx.header().stamp.node != node)
      ++c.bad_origin;
    last_stamp = stamp;
  }

  std::uint32_t* gate = nullptr;
  std::uint64_t sender = 0; ///< the producer's K2K address
  std::uint32_t node = 0;   ///< the broker clock's node id
  counts c{};
  std::uint64_t last_stamp = 0;
};

} // namespace k2k_device_test
