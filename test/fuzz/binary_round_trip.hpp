// The properties the binary fuzz target checks for each input and type T:
// 1. decoding never crashes, and a failed decode's error names the type;
// 2. the typed decoder (from_bytes(in, T&)) and the registry's decoder by
//    name (from_bytes("fuzz.mixed", in)) agree on success and value;
// 3. tighter limits never accept what the default limits refuse, and what
//    both accept decodes to the same value;
// 4. round trip: a decoded value encodes, its encoding decodes to the same
//    value (same_value.hpp), and encoding that again gives the same bytes
//    (the same length for types with an unordered_map, whose order may
//    differ), which the registry's encoder of the dynamic message writes too.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <ringactor/binary_format.hpp>

#include "fuzz_failure.hpp"
#include "fuzz_types.hpp"
#include "same_value.hpp"

namespace fuzz {

/// Small enough that short inputs reach every limit.
inline ringactor::wire_limits tight_limits() {
  ringactor::wire_limits limits;
  limits.max_message_size = 512;
  limits.max_container_length = 4;
  limits.max_depth = 4;
  return limits;
}

template <class T>
void binary_round_trip(std::span<const std::byte> in) {
  constexpr auto name = ringactor::wire::wire_name_of<T>();
  T first{};
  auto typed = ringactor::from_bytes(in, first);
  auto by_name = ringactor::from_bytes(name, in);
  if (typed.has_value() != by_name.has_value())
    fail(name, "the typed and the by-name decoder disagree",
         ringactor::to_string(typed ? by_name.error() : typed.error()));
  T tight{};
  auto tight_result = ringactor::from_bytes(in, tight, tight_limits());
  if (!typed) {
    auto text = ringactor::to_string(typed.error());
    if (text.find(name) == std::string::npos)
      fail(name, "a decode error does not name the type", text);
    if (tight_result)
      fail(name, "tight limits accept what the default limits refuse", text);
    return;
  }
  if (tight_result && !same(tight, first))
    fail(name, "tight and default limits decode different values");
  auto* payload = by_name->template get_if<T>();
  if (payload == nullptr)
    fail(name, "the by-name decoder made a message of another type");
  if (!same(*payload, first))
    fail(name, "the typed and the by-name decoder read different values");

  std::vector<std::byte> bytes;
  if (auto r = ringactor::to_bytes(first, bytes); !r)
    fail(name, "a decoded value does not encode", ringactor::to_string(r.error()));
  T second{};
  if (auto r = ringactor::from_bytes(std::span<const std::byte>{bytes}, second); !r)
    fail(name, "the encoding of a decoded value does not decode", ringactor::to_string(r.error()));
  if (!same(first, second))
    fail(name, "decoding the encoding of a decoded value gives another value");
  std::vector<std::byte> again;
  if (auto r = ringactor::to_bytes(second, again); !r)
    fail(name, "a value that encoded once does not encode again", ringactor::to_string(r.error()));
  if (deterministic_encoding<T> ? again != bytes : again.size() != bytes.size())
    fail(name, "encoding the same value twice gives different bytes");
  auto from_registry = ringactor::to_bytes(*by_name);
  if (!from_registry)
    fail(name, "the registry's encoder refuses a decoded message",
         ringactor::to_string(from_registry.error()));
  if (deterministic_encoding<T> ? *from_registry != bytes : from_registry->size() != bytes.size())
    fail(name, "the registry's encoder and the typed encoder write different bytes");
}

} // namespace fuzz
