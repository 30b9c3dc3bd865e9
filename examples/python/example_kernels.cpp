// The C++ side of examples/python/pipeline.py: the extension
// `_example_kernels` gives the adder kernel's message a wire name (so that
// Python sees ringactor.types.kernels.add) and spawns the kernel into a
// system created in Python, registered by name. It also describes a frame
// kernel's request, whose device_buffer field only travels in the process
// (ringactor.types.frames.scale: a NumPy frame goes in without a copy), and
// registers the kernel as a pool factory, so that Python spawns a pool of
// it. An application does the same for its own kernels and C++ actors.
#include <cstdint>
#include <string>

#include <pybind11/pybind11.h>

#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>
#include <ringactor/type_registry.hpp>

#include "handle.hpp"          // python/src: the system behind ringactor.ActorSystem
#include "inprocess_types.hpp" // python/src: types with device_buffer fields
#include "pool_factories.hpp"  // python/src: pools Python spawns by name

namespace ringactor::kernels {

template <class Inspector>
bool inspect(Inspector& f, add& x) {
  return f.object(x).fields(f.field("a", x.a), f.field("b", x.b));
}

RINGACTOR_TYPE(add, "kernels.add")

} // namespace ringactor::kernels

namespace frames {

using namespace ringactor;

/// Scales a frame in place by `factor`.
struct scale {
  device_buffer<float> buf;
  float factor;
};

RINGACTOR_TYPE(scale, "frames.scale") // a name only: no wire form for an address

/// One rank scales the whole frame and answers with its new sum.
struct scaler {
  using inputs = message_list<scale>;

  template <class Ctx>
  RINGACTOR_DEVICE double handle(Ctx&, const scale& m) const {
    float* data = m.buf.data();
    double sum = 0;
    for (std::uint64_t i = 0; i < m.buf.size(); ++i) {
      data[i] *= m.factor;
      sum += data[i];
    }
    return sum;
  }
};

using scaler_if = typed_actor<result<double>(scale)>;

} // namespace frames

PYBIND11_MODULE(_example_kernels, m) {
  using namespace ringactor;
  using adder_if = typed_actor<result<std::int32_t>(kernels::add)>;
  m.def(
    "spawn_adder",
    [](const std::shared_ptr<python::system_box>& box, const std::string& name) {
      // The CPU backend: the example runs on any machine.
      auto k = spawn_kernel<adder_if>(box->sys, kernels::adder{}, {.backend = kernel_backend::cpu});
      if (auto r = box->sys.registry().put(name, k); !r)
        throw std::runtime_error(to_string(r.error()));
    },
    "Spawns the adder kernel (kernels.add -> i32) and registers it as `name`.");
  python::add_inprocess_type<frames::scale>("frames.scale",
                                            python::member("buf", &frames::scale::buf),
                                            python::member("factor", &frames::scale::factor));
  auto& pools = python::pool_factories_of_module();
  if (!pools.contains(telemetry::worker_kind::kernel, "frame_scaler"))
    pools.add_kernel(
      "frame_scaler", [](actor_system& sys, const telemetry::pool_spec& spec) -> expected<actor> {
        return actor_cast<actor>(sys.spawn(spec.to_pool<frames::scaler_if>([](actor_system& s) {
          return spawn_kernel<frames::scaler_if>(s, frames::scaler{},
                                                 {.backend = kernel_backend::cpu});
        })));
      });
}
