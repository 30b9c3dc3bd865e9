#include "preamble.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace ringactor::remote::detail {

namespace {

/// HMAC-SHA256(key, label | signed_part).
std::array<unsigned char, preamble_mac_size> mac_of(std::span<const std::byte> signed_part,
                                                    std::string_view key) {
  static constexpr std::string_view label = "ringactor preamble";
  std::vector<unsigned char> msg(label.begin(), label.end());
  auto* p = reinterpret_cast<const unsigned char*>(signed_part.data());
  msg.insert(msg.end(), p, p + signed_part.size());
  std::array<unsigned char, preamble_mac_size> out{};
  unsigned int n = 0;
  // An empty key: HMAC of a key of zero bytes (a valid pointer all the same).
  static constexpr char none = 0;
  HMAC(EVP_sha256(), key.empty() ? &none : key.data(), static_cast<int>(key.size()), msg.data(),
       msg.size(), out.data(), &n);
  return out;
}

} // namespace

std::vector<std::byte> make_preamble(std::span<const std::byte> address, std::string_view key) {
  std::vector<std::byte> out(preamble_header_size + address.size());
  std::memcpy(out.data(), preamble_magic, sizeof(preamble_magic));
  out[8] = std::byte(preamble_version >> 8);
  out[9] = std::byte(preamble_version & 0xff);
  auto n = static_cast<std::uint32_t>(address.size());
  for (int i = 0; i < 4; ++i)
    out[10 + i] = std::byte((n >> (24 - 8 * i)) & 0xff);
  std::copy(address.begin(), address.end(), out.begin() + preamble_header_size);
  auto mac = mac_of(out, key);
  for (auto x : mac)
    out.push_back(std::byte{x});
  return out;
}

preamble_parse parse_preamble(std::span<const std::byte> in, std::string_view key) {
  preamble_parse out;
  auto refuse = [&](std::string why) {
    out.what = preamble_parse::outcome::refused;
    out.why = std::move(why);
    return out;
  };
  // The magic, byte by byte: a wrong one is refused without waiting for more.
  auto magic = std::min(in.size(), sizeof(preamble_magic));
  if (std::memcmp(in.data(), preamble_magic, magic) != 0)
    return refuse("not a ringactor preamble (wrong magic)");
  if (in.size() < 10)
    return out;
  auto version = static_cast<std::uint16_t>((std::to_integer<unsigned>(in[8]) << 8)
                                            | std::to_integer<unsigned>(in[9]));
  if (version != preamble_version)
    return refuse(fmt::format("preamble version {} (this side speaks {})", version,
                              preamble_version));
  if (in.size() < preamble_header_size)
    return out;
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i)
    length = (length << 8) | std::to_integer<std::uint32_t>(in[10 + i]);
  if (length == 0 || length > max_worker_address)
    return refuse(fmt::format("worker address of {} bytes (1 to {} accepted)", length,
                              max_worker_address));
  auto signed_size = preamble_header_size + length;
  if (in.size() < signed_size + preamble_mac_size)
    return out;
  auto mac = mac_of(in.first(signed_size), key);
  if (CRYPTO_memcmp(mac.data(), in.data() + signed_size, mac.size()) != 0)
    return refuse("preamble signed with another key (not a node of this cluster)");
  out.what = preamble_parse::outcome::done;
  out.consumed = signed_size + preamble_mac_size;
  out.address.assign(in.begin() + preamble_header_size, in.begin() + out.consumed);
  return out;
}

} // namespace ringactor::remote::detail
