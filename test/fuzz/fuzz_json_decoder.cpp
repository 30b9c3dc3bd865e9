// libFuzzer target: the JSON decoder (ringactor/json_format.hpp). Each input
// is decoded as every fuzz type, typed and by registered name, and what
// decodes must round-trip (json_round_trip.hpp). Run by scripts/fuzz;
// corpus_replay.cpp runs the seed corpus through it in ordinary builds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "json_round_trip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in{reinterpret_cast<const char*>(data), size};
  fuzz::json_round_trip<fuzz::pod>(in);
  fuzz::json_round_trip<fuzz::mixed>(in);
  fuzz::json_round_trip<fuzz::leaf>(in);
  fuzz::json_round_trip<fuzz::branch>(in);
  fuzz::json_round_trip<fuzz::deep>(in);
  return 0;
}
