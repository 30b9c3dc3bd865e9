// Message types of the remote node tests, registered the same way in the
// test binary and in remote_node_process (their schema digests must match).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ringactor/gpu/shared_device_buffer.hpp>
#include <ringactor/type_registry.hpp>
#include <ringactor/typed_actor.hpp>

namespace node_test {

/// Answered with the same ping by "echo"; counted per sender by "sink".
struct ping {
  std::int64_t n = 0;
};
template <class Inspector>
bool inspect(Inspector& f, ping& x) {
  return f.object(x).fields(f.field("n", x.n));
}
RINGACTOR_TYPE(ping, "node_test.ping")

/// Answered with the same text by "echo": a payload of any size.
struct text {
  std::string s;
};
template <class Inspector>
bool inspect(Inspector& f, text& x) {
  return f.object(x).fields(f.field("s", x.s));
}
RINGACTOR_TYPE(text, "node_test.text")

/// Sent (not requested) to "echo": it sends ping{n} back to the sender.
struct ping_back {
  std::int64_t n = 0;
};
template <class Inspector>
bool inspect(Inspector& f, ping_back& x) {
  return f.object(x).fields(f.field("n", x.n));
}
RINGACTOR_TYPE(ping_back, "node_test.ping_back")

/// Answered by "slow" after a short pause, so that requests pile up.
struct slow {
  std::int64_t n = 0;
};
template <class Inspector>
bool inspect(Inspector& f, slow& x) {
  return f.object(x).fields(f.field("n", x.n));
}
RINGACTOR_TYPE(slow, "node_test.slow")

/// "sink" answers get_tally with what it counted.
struct get_tally {
  std::int64_t unused = 0;
};
template <class Inspector>
bool inspect(Inspector& f, get_tally& x) {
  return f.object(x).fields(f.field("unused", x.unused));
}
RINGACTOR_TYPE(get_tally, "node_test.get_tally")

struct tally {
  std::int64_t received = 0;
  std::int64_t out_of_order = 0; ///< pings whose n was not the sender's previous n + 1
  std::int64_t senders = 0;
};
template <class Inspector>
bool inspect(Inspector& f, tally& x) {
  return f.object(x).fields(f.field("received", x.received),
                            f.field("out_of_order", x.out_of_order), f.field("senders", x.senders));
}
RINGACTOR_TYPE(tally, "node_test.tally")

/// The typed interface of "typed_echo".
using echo_if = ringactor::typed_actor<ringactor::result<ping>(ping)>;
/// An interface nobody publishes.
using slow_if = ringactor::typed_actor<ringactor::result<ping>(slow)>;

/// The argument of the spawnable type "offset_adder": it answers ping{n}
/// with ping{n + offset} ("adder" answers with ping{n}).
struct adder_args {
  std::int64_t offset = 0;
};
template <class Inspector>
bool inspect(Inspector& f, adder_args& x) {
  return f.object(x).fields(f.field("offset", x.offset));
}
RINGACTOR_TYPE(adder_args, "node_test.adder_args")

/// "census" answers get_census with the actors peers spawned there: how
/// many in all, and how many are still alive.
struct get_census {
  std::int64_t unused = 0;
};
template <class Inspector>
bool inspect(Inspector& f, get_census& x) {
  return f.object(x).fields(f.field("unused", x.unused));
}
RINGACTOR_TYPE(get_census, "node_test.get_census")

struct census {
  std::int64_t spawned = 0;
  std::int64_t live = 0;
};
template <class Inspector>
bool inspect(Inspector& f, census& x) {
  return f.object(x).fields(f.field("spawned", x.spawned), f.field("live", x.live));
}
RINGACTOR_TYPE(census, "node_test.census")

/// Requested of "buffers" (remote_node_process): it answers with a blob of
/// the same buffer (sent back by content) whose id is the FNV-1a hash of
/// the bytes it received.
struct blob {
  std::int64_t id = 0;
  ringactor::shared_device_buffer<std::uint8_t> data;
};
template <class Inspector>
bool inspect(Inspector& f, blob& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("data", x.data));
}
RINGACTOR_TYPE(blob, "node_test.blob")

/// Requested of "buffers": it keeps `data` (the field, not the message)
/// under `id` and answers ping{elements}.
struct keep_floats {
  std::int64_t id = 0;
  ringactor::shared_device_buffer<float> data;
};
template <class Inspector>
bool inspect(Inspector& f, keep_floats& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("data", x.data));
}
RINGACTOR_TYPE(keep_floats, "node_test.keep_floats")

/// Requested of "buffers": it reads the buffer it kept under `id` now and
/// answers kept_values with its elements (empty when it keeps none).
struct read_kept {
  std::int64_t id = 0;
};
template <class Inspector>
bool inspect(Inspector& f, read_kept& x) {
  return f.object(x).fields(f.field("id", x.id));
}
RINGACTOR_TYPE(read_kept, "node_test.read_kept")

struct kept_values {
  std::int64_t id = 0;
  std::vector<float> values;
};
template <class Inspector>
bool inspect(Inspector& f, kept_values& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("values", x.values));
}
RINGACTOR_TYPE(kept_values, "node_test.kept_values")

/// FNV-1a over `n` bytes: what "buffers" says it received.
inline std::int64_t fnv1a(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i)
    h = (h ^ p[i]) * 1099511628211ull;
  return static_cast<std::int64_t>(h);
}

/// Registered only where a test wants another schema digest.
struct extra_type {
  std::int64_t z = 0;
};
template <class Inspector>
bool inspect(Inspector& f, extra_type& x) {
  return f.object(x).fields(f.field("z", x.z));
}

} // namespace node_test
