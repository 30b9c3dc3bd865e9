// expect: cannot be a field
// names: field_type_is_inspectable<app::opaque_handle, false>
// A field whose type is no wire kind and has no inspect() does not compile,
// and the compiler names the type (here inside a vector inside a map).
#include <map>
#include <string>
#include <vector>

#include <ringactor/binary_format.hpp>

namespace app {

struct opaque_handle {
  void* p;
};

struct order {
  std::map<std::string, std::vector<opaque_handle>> handles;
};

template <class Inspector>
bool inspect(Inspector& f, order& x) {
  return f.object(x).fields(f.field("handles", x.handles));
}

} // namespace app

void misuse() {
  auto bytes = ringactor::to_bytes(app::order{});
  (void) bytes;
}
