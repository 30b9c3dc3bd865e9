// ringactor Python module: the extension `_ringactor`. The package
// `ringactor` (python/ringactor/) wraps it; see the README's Python section.
#include "bindings.hpp"

PYBIND11_MODULE(_ringactor, m) {
  m.doc() = "ringactor's runtime for Python: actor systems, handles, Python actors, values";
  using namespace ringactor::python;
  bind_errors(m);
  bind_types(m);
  bind_system(m);
  bind_actors(m);
  bind_supervision(m);
  bind_topics(m);
  bind_inprocess_types(m);
#if RINGACTOR_PYTHON_BUFFERS
  bind_buffers(m);
#endif
}
