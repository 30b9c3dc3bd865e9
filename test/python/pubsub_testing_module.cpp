// The test-only extension `_ringactor_pubsub_testing`: what the Python
// suite's publish/subscribe tests (test_topics.py) need from C++: a message
// type, a C++ publisher, and a kernel (CPU backend) that publishes with
// ctx.send_host to a topic's actor. It links the shared core library, as
// `_ringactor` does, so its types land in the one type registry.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <pybind11/pybind11.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/topics.hpp>
#include <ringactor/type_registry.hpp>

#include "handle.hpp"

namespace pubsub {

/// What C++ and the kernel publish: trivially copyable (a kernel's output),
/// with a stable name and a JSON form (a topic's event).
struct level {
  std::int32_t value;
};

template <class Inspector>
bool inspect(Inspector& f, level& x) {
  return f.object(x).fields(f.field("value", x.value));
}
RINGACTOR_TYPE(level, "pubsub.level")

/// Asks the kernel to send `value` (tripled) to the host actor with id `to`
/// (a topic's actor); Python builds it as ringactor.types.pubsub.report.
struct report {
  std::uint64_t to;
  std::int32_t value;
};

template <class Inspector>
bool inspect(Inspector& f, report& x) {
  return f.object(x).fields(f.field("to", x.to), f.field("value", x.value));
}
RINGACTOR_TYPE(report, "pubsub.report")

struct reporter {
  using inputs = ringactor::message_list<report>;
  using outputs = ringactor::message_list<level>;

  template <class Ctx>
  RINGACTOR_DEVICE void handle(Ctx& ctx, const report& m) const {
    ctx.send_host(m.to, level{m.value * 3});
  }
};

using reporter_if = ringactor::typed_actor<ringactor::result<void>(report)>;

} // namespace pubsub

namespace {

namespace py = pybind11;
using namespace ringactor;
using ringactor::python::system_box;
using box_ptr = std::shared_ptr<system_box>;

} // namespace

PYBIND11_MODULE(_ringactor_pubsub_testing, m) {
  m.doc() = "Test-only C++ publishers for ringactor's Python publish/subscribe tests";
  m.def(
    "spawn_reporter",
    [](const box_ptr& box, const std::string& name) {
      kernel_config cfg;
      cfg.backend = kernel_backend::cpu;
      auto k = spawn_kernel<pubsub::reporter_if>(box->sys, pubsub::reporter{}, cfg);
      if (auto r = box->sys.registry().put(name, k); !r)
        throw std::runtime_error(to_string(r.error()));
    },
    py::arg("system"), py::arg("name"),
    "Spawns the reporter kernel (pubsub.report -> send_host of pubsub.level) on the CPU "
    "backend, registered as `name`.");
  m.def(
    "publish_level",
    [](const box_ptr& box, std::int32_t value) {
      auto id = topics::of(box->sys).publish(pubsub::level{value});
      if (!id)
        throw std::runtime_error(to_string(id.error()));
      return *id;
    },
    py::arg("system"), py::arg("value"),
    "Publishes pubsub.level{value} from C++ to its type's topic; returns the event's id.");
}
