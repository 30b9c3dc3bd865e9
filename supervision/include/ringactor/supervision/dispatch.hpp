// ringactor supervision: how a pool picks the worker for a request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>
#include <variant>

namespace ringactor::supervision {

/// Workers in turn.
struct round_robin {};

/// The live worker with the fewest requests in flight (ties: in turn).
struct least_loaded {};

/// Every live worker gets every request; the requester gets the first
/// answer (in worker order). Send `all_of<M>{m}` to get every answer.
struct broadcast {};

/// The worker owning the message's key on a hash ring with
/// `virtual_nodes` points per worker; when a worker is down its keys go to
/// the next live one. The key is `m.key` (member or function) if the message
/// has one, else std::hash of the message, else a hash of its bytes
/// (trivially copyable messages).
struct consistent_hash {
  size_t virtual_nodes = 64;
};

using dispatch_policy = std::variant<round_robin, least_loaded, broadcast, consistent_hash>;

/// Wraps a message for a request that every live worker answers: the
/// response is a std::vector with each answer (see broadcast).
template <class M>
struct all_of {
  M message;
};

namespace detail {

inline uint64_t mix64(uint64_t x) noexcept {
  // splitmix64 finalizer: spreads nearby keys over the ring.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

template <class M>
uint64_t message_key(const M& m) {
  if constexpr (requires { m.key(); }) {
    return mix64(static_cast<uint64_t>(m.key()));
  } else if constexpr (requires { m.key; }) {
    return mix64(static_cast<uint64_t>(m.key));
  } else if constexpr (requires { std::hash<M>{}(m); }) {
    return mix64(std::hash<M>{}(m));
  } else {
    static_assert(std::is_trivially_copyable_v<M>,
                  "ringactor: consistent_hash needs a key: give the message a `key` "
                  "member, a std::hash specialization, or make it trivially copyable");
    uint64_t h = 1469598103934665603ull; // FNV-1a over the object bytes
    unsigned char bytes[sizeof(M)];
    std::memcpy(bytes, &m, sizeof(M));
    for (auto b : bytes)
      h = (h ^ b) * 1099511628211ull;
    return mix64(h);
  }
}

} // namespace detail

} // namespace ringactor::supervision
