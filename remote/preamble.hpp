// ringactor remote: the preamble two transports exchange on a node's
// listening port before UCX sees anything of the connection. Each side
// writes one, then reads the other's:
//
//   magic    8 bytes  "RAUCPADR"
//   version  2 bytes  big-endian, preamble_version
//   length   4 bytes  big-endian, 1 .. max_worker_address
//   address  length bytes: the side's UCP worker address
//                      (ucp_worker_get_address)
//   mac      32 bytes HMAC-SHA256(key, "ringactor preamble" | the bytes
//                      above), key: the transport's preamble_key (a node's
//                      cluster secret)
//
// The mac keeps every worker address that did not come from a holder of
// the key away from UCX: UCX 1.13 asserts (aborts the process) on a worker
// address it cannot unpack (address.c:1051).
// followed, once the side has created its UCX endpoint from the other's
// address, by one byte (preamble_ready). Anything else on the port is
// refused before a byte of it reaches UCX.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ringactor::remote::detail {

inline constexpr char preamble_magic[8] = {'R', 'A', 'U', 'C', 'P', 'A', 'D', 'R'};
/// 2: small frames may travel in batches (transport_impl.hpp's
/// frame_header), which a version-1 transport cannot read.
inline constexpr std::uint16_t preamble_version = 2;
/// The bytes before the address.
inline constexpr std::size_t preamble_header_size = 14;
/// The bytes after it.
inline constexpr std::size_t preamble_mac_size = 32;
/// The longest worker address accepted (UCX's are a few hundred bytes; one
/// that lists many devices stays well below this).
inline constexpr std::size_t max_worker_address = 64 * 1024;
/// The byte a side writes once its endpoint to the other exists.
inline constexpr std::byte preamble_ready{0x01};

/// The preamble that carries `address`, signed with `key`.
std::vector<std::byte> make_preamble(std::span<const std::byte> address, std::string_view key);

/// What parse_preamble made of the bytes read so far.
struct preamble_parse {
  enum class outcome { need_more, done, refused } what = outcome::need_more;
  /// done: the preamble's length in bytes (what follows belongs to the
  /// next step).
  std::size_t consumed = 0;
  /// done: the peer's worker address.
  std::vector<std::byte> address;
  /// refused: why, for the log.
  std::string why;
};

/// Parses the start of `in`: refused as soon as the bytes so far cannot
/// begin a preamble (wrong magic, unknown version, a length of 0 or past
/// max_worker_address), need_more while they can, done once one is whole
/// and its mac is that of `key` (refused when it is not).
preamble_parse parse_preamble(std::span<const std::byte> in, std::string_view key);

} // namespace ringactor::remote::detail
