// ringactor Python module: the table of in-process message types
// (inprocess_types.hpp) and its capsule.
#include "inprocess_types.hpp"

#include "bindings.hpp"

namespace ringactor::python {

inprocess_types& inprocess_table() {
  // Never destroyed: a detached worker may still convert at exit.
  static auto* table = new inprocess_types;
  return *table;
}

void bind_inprocess_types(py::module_& m) {
  // Other extensions add their types through this capsule: Python loads
  // extensions with RTLD_LOCAL, so this one's symbols are not theirs.
  m.attr(inprocess_types_capsule) = py::capsule(static_cast<void*>(&inprocess_table()),
                                                inprocess_types_capsule_name);
}

} // namespace ringactor::python
