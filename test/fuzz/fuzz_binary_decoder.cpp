// libFuzzer target: the binary decoder (ringactor/binary_format.hpp). Each
// input is decoded as every fuzz type, typed and by registered name, and
// what decodes must round-trip (binary_round_trip.hpp). Run by scripts/fuzz;
// corpus_replay.cpp runs the seed corpus through it in ordinary builds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "binary_round_trip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> in{reinterpret_cast<const std::byte*>(data), size};
  fuzz::binary_round_trip<fuzz::pod>(in);
  fuzz::binary_round_trip<fuzz::mixed>(in);
  fuzz::binary_round_trip<fuzz::leaf>(in);
  fuzz::binary_round_trip<fuzz::branch>(in);
  fuzz::binary_round_trip<fuzz::deep>(in);
  return 0;
}
