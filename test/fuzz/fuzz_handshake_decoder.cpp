// libFuzzer target: the node handshake (ringactor/remote/handshake.hpp),
// the decoder of hello frames and the state machine a node runs for each
// peer until it is authenticated. The input is a run of frames, each a u16
// little-endian length and that many bytes (the last one takes what is
// left). Properties:
// - raw: the frames go to a fresh handshake as a peer's; none of them ever
//   authenticates it (that takes an HMAC under the secret), every refusal
//   says why, a hello is answered once with a proof frame, and a hello
//   that decodes encodes back to the same bytes;
// - after a real handshake (a peer that knows the secret sends a valid
//   hello and proof, its name from the first frame), every further frame
//   is refused.
// Run by scripts/fuzz; corpus_replay.cpp runs the seed corpus through it
// in ordinary builds (corpus/handshake/).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <ringactor/remote/handshake.hpp>

#include "fuzz_failure.hpp"

using namespace ringactor::remote;

namespace {

constexpr std::string_view secret = "fuzz-cluster-secret";
constexpr std::uint64_t own_incarnation = 0x1234;
constexpr std::uint64_t own_digest = 0xd16e57;

std::vector<std::span<const std::byte>> split(std::span<const std::byte> in) {
  std::vector<std::span<const std::byte>> out;
  while (in.size() >= 2 && out.size() < 64) {
    auto n = std::size_t{std::to_integer<std::uint8_t>(in[0])}
             | std::size_t{std::to_integer<std::uint8_t>(in[1])} << 8;
    in = in.subspan(2);
    n = std::min(n, in.size());
    out.push_back(in.first(n));
    in = in.subspan(n);
  }
  return out;
}

nonce fixed_nonce(std::uint8_t seed) {
  nonce n{};
  for (std::size_t i = 0; i < n.size(); ++i)
    n[i] = static_cast<std::byte>(seed + i * 31);
  return n;
}

handshake_state fresh() {
  handshake_state st;
  st.own_nonce = fixed_nonce(7);
  return st;
}

void raw_frames(const std::vector<std::span<const std::byte>>& frames) {
  const handshake_state::own_side own{secret, own_incarnation, own_digest};
  auto st = fresh();
  int replies = 0;
  for (auto f : frames) {
    if (auto h = decode_hello(f)) {
      auto again = encode_hello(*h);
      if (!std::equal(again.begin(), again.end(), f.begin(), f.end()))
        fuzz::fail("handshake", "a decoded hello does not encode back to its bytes");
    } else if (h.error().context().empty()) {
      fuzz::fail("handshake", "a hello refused without a reason");
    }
    auto step = st.on_frame(own, f);
    using outcome = handshake_state::step::outcome;
    switch (step.what) {
      case outcome::authenticated:
        fuzz::fail("handshake", "fuzzed frames authenticated a peer (forged proof)");
      case outcome::reply:
        if (++replies > 1)
          fuzz::fail("handshake", "a second hello was answered");
        if (step.frame.size() != 1 + proof{}.size() || step.frame.front() != proof_frame)
          fuzz::fail("handshake", "the answer to a hello is not a proof frame");
        break;
      case outcome::refused:
        if (step.reason.empty())
          fuzz::fail("handshake", "a refusal without a reason");
        if (st.authenticated)
          fuzz::fail("handshake", "refused, yet authenticated");
        return; // the node drops a refused peer: nothing after it is read
    }
  }
}

void after_handshake(const std::vector<std::span<const std::byte>>& frames) {
  const handshake_state::own_side own{secret, own_incarnation, own_digest};
  auto st = fresh();
  hello theirs;
  if (!frames.empty())
    theirs.node_name.assign(reinterpret_cast<const char*>(frames.front().data()),
                            std::min(frames.front().size(), max_node_name));
  theirs.incarnation = 99;
  theirs.schema_digest = own_digest;
  theirs.nonce = fixed_nonce(3);
  using outcome = handshake_state::step::outcome;
  if (st.on_frame(own, encode_hello(theirs)).what != outcome::reply)
    fuzz::fail("handshake", "a valid hello was not answered");
  auto p = make_proof(secret, st.own_nonce, theirs.nonce, theirs.incarnation);
  std::vector<std::byte> proof_bytes{proof_frame};
  proof_bytes.insert(proof_bytes.end(), p.begin(), p.end());
  if (st.on_frame(own, proof_bytes).what != outcome::authenticated)
    fuzz::fail("handshake", "a valid proof was refused");
  for (auto f : frames)
    if (st.on_frame(own, f).what != outcome::refused)
      fuzz::fail("handshake", "a handshake frame after the handshake was taken");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> in{reinterpret_cast<const std::byte*>(data), size};
  auto frames = split(in);
  raw_frames(frames);
  after_handshake(frames);
  return 0;
}
