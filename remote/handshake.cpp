#include "ringactor/remote/handshake.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <ringactor/error.hpp>

#include <cstring>

#include <fmt/format.h>

#include "frame_codec.hpp"
#include "ringactor/remote/error.hpp"

namespace ringactor::remote {

namespace {

// Binds the proof to this protocol, so a MAC computed for anything else
// with the same secret never passes.
constexpr std::string_view proof_label = "ringactor-remote-handshake-v1";

error refusal(std::string what) {
  return error{errc::handshake_failed, std::move(what)};
}

} // namespace

std::vector<std::byte> encode_hello(const hello& h) {
  detail::frame_writer w;
  w.u8(static_cast<std::uint8_t>(hello_frame));
  w.u32(h.version);
  w.str(h.node_name);
  w.u64(h.incarnation);
  w.u64(h.schema_digest);
  w.tail(h.nonce);
  return w.take();
}

expected<hello> decode_hello(std::span<const std::byte> frame) {
  detail::frame_reader r{frame};
  if (r.u8() != static_cast<std::uint8_t>(hello_frame) || r.failed())
    return refusal("a frame that is not a hello");
  hello out;
  out.version = r.u32();
  if (r.failed() || out.version != protocol_version)
    return refusal(fmt::format("protocol version {} (this node speaks {})", out.version,
                               protocol_version));
  out.node_name = r.str(max_node_name);
  out.incarnation = r.u64();
  out.schema_digest = r.u64();
  auto n = r.tail();
  if (r.failed() || n.size() != out.nonce.size())
    return refusal("a malformed hello");
  std::memcpy(out.nonce.data(), n.data(), n.size());
  return out;
}

handshake_state::step handshake_state::on_frame(const own_side& own,
                                                std::span<const std::byte> frame) {
  using outcome = step::outcome;
  auto refuse = [](std::string why) { return step{outcome::refused, {}, std::move(why)}; };
  auto kind = frame.empty() ? std::byte{0} : frame.front();
  if (authenticated)
    return refuse("a handshake frame after the handshake completed");
  if (kind == hello_frame && !got_hello) {
    auto h = decode_hello(frame);
    if (!h)
      return refuse(std::string{h.error().context()});
    theirs = std::move(*h);
    if (theirs.schema_digest != own.schema_digest)
      return refuse(fmt::format("node {} has schema digest {:#x}, this node {:#x}",
                                theirs.node_name, theirs.schema_digest, own.schema_digest));
    got_hello = true;
    auto p = make_proof(own.secret, theirs.nonce, own_nonce, own.incarnation);
    std::vector<std::byte> reply{proof_frame};
    reply.insert(reply.end(), p.begin(), p.end());
    return step{outcome::reply, std::move(reply), {}};
  }
  if (kind == proof_frame && got_hello) {
    proof p{};
    if (frame.size() != 1 + p.size())
      return refuse("a malformed proof");
    std::memcpy(p.data(), frame.data() + 1, p.size());
    if (!check_proof(own.secret, own_nonce, theirs.nonce, theirs.incarnation, p))
      return refuse(fmt::format("node {} does not prove the cluster secret (wrong secret)",
                                theirs.node_name));
    authenticated = true;
    return step{outcome::authenticated, {}, {}};
  }
  return refuse(fmt::format("a frame of kind {} before the handshake completed",
                            static_cast<unsigned>(kind)));
}

expected<nonce> make_nonce() {
  nonce out{};
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1)
    return error{errc::handshake_failed, "RAND_bytes failed to make a nonce"};
  return out;
}

proof make_proof(std::string_view secret, const nonce& theirs, const nonce& own,
                 std::uint64_t own_incarnation) {
  std::vector<unsigned char> msg;
  msg.insert(msg.end(), proof_label.begin(), proof_label.end());
  auto add = [&](const nonce& n) {
    for (auto b : n)
      msg.push_back(static_cast<unsigned char>(b));
  };
  add(theirs);
  add(own);
  for (int i = 0; i < 8; ++i)
    msg.push_back(static_cast<unsigned char>(own_incarnation >> (8 * i)));
  proof out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), msg.data(), msg.size(),
       reinterpret_cast<unsigned char*>(out.data()), &len);
  return out;
}

bool check_proof(std::string_view secret, const nonce& own, const nonce& peer_nonce,
                 std::uint64_t peer_incarnation, const proof& p) {
  auto expected_proof = make_proof(secret, own, peer_nonce, peer_incarnation);
  return CRYPTO_memcmp(expected_proof.data(), p.data(), p.size()) == 0;
}

} // namespace ringactor::remote
