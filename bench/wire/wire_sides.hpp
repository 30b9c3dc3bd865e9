// The measurements each side of the wire benchmarks provides (one
// translation unit per side, so that ringactor's and CAF's inspect
// functions for the same types never meet).
#pragma once

#include "wire_measure.hpp"
#include "wire_types.hpp"

namespace wire_bench {

result ringactor_pod(const timing& t);
result ringactor_mixed(const timing& t);
result ringactor_nested(const timing& t);

/// JSON encode and decode throughput in MB/s of JSON text, on wire_nested
/// (append_json into a reused string, from_json into a fresh value);
/// available is false in a build without the JSON format.
struct json_result {
  bool available = false;
  bool ok = false;
  double encode_mb_s = 0;
  double decode_mb_s = 0;
};
json_result ringactor_json(const timing& t);

result caf_pod(const timing& t);
result caf_mixed(const timing& t);
result caf_nested(const timing& t);

/// The floor of wire_pod: a memcpy of the struct into a reused buffer and
/// back (wire_main.cpp).
result memcpy_pod(const timing& t);

} // namespace wire_bench
