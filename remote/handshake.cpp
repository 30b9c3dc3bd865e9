#include "ringactor/remote/handshake.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <ringactor/error.hpp>

#include "ringactor/remote/error.hpp"

namespace ringactor::remote {

namespace {

// Binds the proof to this protocol, so a MAC computed for anything else
// with the same secret never passes.
constexpr std::string_view proof_label = "ringactor-remote-handshake-v1";

} // namespace

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
