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
#include <string_view>
#include <string>
#include <vector>

#include <ringactor/expected.hpp>

namespace ringactor::remote {

/// The version of the node protocol this build speaks.
/// 2: a payload carries its buffer section (the bytes of its
/// shared_device_buffer fields) between its stable id and its body.
inline constexpr std::uint32_t protocol_version = 2;

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

/// The first byte of the handshake's frames (the node's frame kinds 1 and 2).
inline constexpr std::byte hello_frame{1};
inline constexpr std::byte proof_frame{2};

/// The longest node name a hello may carry.
inline constexpr std::size_t max_node_name = 1024;

/// A hello as a frame: hello_frame, then version (u32), node name (u32
/// length and bytes), incarnation and schema digest (u64), and the nonce;
/// integers little-endian.
std::vector<std::byte> encode_hello(const hello& h);

/// The hello in `frame` (hello_frame first), or handshake_failed saying what
/// is wrong: another version, a name past max_node_name, a short or long
/// frame.
expected<hello> decode_hello(std::span<const std::byte> frame);

/// One side's handshake with one peer, frame by frame. The node keeps one
/// per peer; a fuzz target drives it with arbitrary frames.
struct handshake_state {
  /// What this side knows and said.
  struct own_side {
    std::string_view secret;
    std::uint64_t incarnation = 0;
    std::uint64_t schema_digest = 0;
  };

  /// What one frame calls for.
  struct step {
    enum class outcome {
      reply,         ///< their hello accepted: send `frame` (our proof)
      authenticated, ///< their proof checked: the peer may send messages
      refused,       ///< drop the peer, log `reason`; deliver nothing it sent
    };
    outcome what = outcome::refused;
    std::vector<std::byte> frame;
    std::string reason;
  };

  /// Takes the next frame of a peer that is not authenticated yet: their
  /// hello first (checked against `own`), then their proof. Any other frame,
  /// a second hello, or a malformed one is refused.
  step on_frame(const own_side& own, std::span<const std::byte> frame);

  bool authenticated = false;
  bool got_hello = false;
  hello theirs;
  nonce own_nonce{};
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
