// The C++ side of examples/python/pipeline.py: the extension
// `_example_kernels` gives the adder kernel's message a wire name (so that
// Python sees ringactor.types.kernels.add) and spawns the kernel into a
// system created in Python, registered by name. An application does the
// same for its own kernels and C++ actors.
#include <string>

#include <pybind11/pybind11.h>

#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>
#include <ringactor/type_registry.hpp>

#include "handle.hpp" // python/src: the system behind ringactor.ActorSystem

namespace ringactor::kernels {

template <class Inspector>
bool inspect(Inspector& f, add& x) {
  return f.object(x).fields(f.field("a", x.a), f.field("b", x.b));
}

RINGACTOR_TYPE(add, "kernels.add")

} // namespace ringactor::kernels

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
}
