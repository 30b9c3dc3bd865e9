// The properties the JSON fuzz target checks for each input and type T, as
// binary_round_trip.hpp does for bytes:
// 1. decoding never crashes, and a failed decode's error names the type;
// 2. the typed decoder (from_json(in, T&)) and the registry's decoder by
//    name (from_json("fuzz.mixed", in)) agree on success and value;
// 3. tighter limits never accept what the default limits refuse, and what
//    both accept decodes to the same value;
// 4. round trip: a decoded value encodes, its JSON decodes to the same value
//    (floats by bits: -0.0 stays -0.0), encoding that again gives the same
//    text (the same length for types with an unordered_map), which the
//    registry's encoder of the dynamic message writes too.
#pragma once

#include <string>
#include <string_view>

#include <ringactor/json_format.hpp>

#include "binary_round_trip.hpp"
#include "fuzz_failure.hpp"
#include "fuzz_types.hpp"
#include "same_value.hpp"

namespace fuzz {

template <class T>
void json_round_trip(std::string_view in) {
  constexpr auto name = ringactor::wire::wire_name_of<T>();
  T first{};
  auto typed = ringactor::from_json(in, first);
  auto by_name = ringactor::from_json(name, in);
  if (typed.has_value() != by_name.has_value())
    fail(name, "the typed and the by-name decoder disagree",
         ringactor::to_string(typed ? by_name.error() : typed.error()));
  T tight{};
  auto tight_result = ringactor::from_json(in, tight, tight_limits());
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

  auto text = ringactor::to_json(first);
  if (!text)
    fail(name, "a decoded value does not encode", ringactor::to_string(text.error()));
  T second{};
  if (auto r = ringactor::from_json(*text, second); !r)
    fail(name, "the JSON of a decoded value does not decode",
         ringactor::to_string(r.error()) + " in " + *text);
  if (!same(first, second))
    fail(name, "decoding the JSON of a decoded value gives another value", *text);
  auto again = ringactor::to_json(second);
  if (!again)
    fail(name, "a value that encoded once does not encode again",
         ringactor::to_string(again.error()));
  if (deterministic_encoding<T> ? *again != *text : again->size() != text->size())
    fail(name, "encoding the same value twice gives different text", *text + " then " + *again);
  auto from_registry = ringactor::to_json(*by_name);
  if (!from_registry)
    fail(name, "the registry's encoder refuses a decoded message",
         ringactor::to_string(from_registry.error()));
  if (deterministic_encoding<T> ? *from_registry != *text : from_registry->size() != text->size())
    fail(name, "the registry's encoder and the typed encoder write different text");
}

} // namespace fuzz
