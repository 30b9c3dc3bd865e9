// ringactor remote: the handshake every node connection starts with, before
// anything else is delivered. Both sides send a hello (protocol version,
// node name, incarnation, schema digest, a fresh 32-byte random nonce);
// each then proves that it knows the cluster secret by sending
// HMAC-SHA256(secret, label | the other's nonce | its own nonce | its own
// incarnation), which the other side recomputes and compares in constant
// time (CRYPTO_memcmp). The secret never travels; a recorded proof is
// useless against a fresh nonce, and a reflected one carries the wrong
// nonce order. The handshake authenticates; it does not encrypt.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <ringactor/expected.hpp>

namespace ringactor::remote {

/// The version of the node protocol this build speaks.
inline constexpr std::uint32_t protocol_version = 1;

using nonce = std::array<std::byte, 32>;
using proof = std::array<std::byte, 32>;

/// What a node says about itself first.
struct hello {
  std::uint32_t version = protocol_version;
  std::string node_name;
  std::uint64_t incarnation = 0;
  std::uint64_t schema_digest = 0;
  remote::nonce nonce{};
};

/// A fresh nonce from OpenSSL's CSPRNG (RAND_bytes); an error if it fails.
expected<nonce> make_nonce();

/// The proof that the sender of `own` (with `own_incarnation`) knows `secret`,
/// answering the other side's `theirs`.
proof make_proof(std::string_view secret, const nonce& theirs, const nonce& own,
                 std::uint64_t own_incarnation);

/// Whether `p` is the proof the peer (nonce `peer_nonce`, `peer_incarnation`)
/// owes for our `own` nonce; compared in constant time.
bool check_proof(std::string_view secret, const nonce& own, const nonce& peer_nonce,
                 std::uint64_t peer_incarnation, const proof& p);

} // namespace ringactor::remote
