// Schemas of types defined in another translation unit (schema_twin.cpp),
// in another namespace, under the stable names of wire_test's types: what
// another program built from the same (or changed) definitions would send.
#pragma once

#include <ringactor/schema.hpp>

namespace twin {

ringactor::wire::type_schema same_order();      ///< wire_test.order as defined here
ringactor::wire::type_schema retyped_order();   ///< qty is i64 there
ringactor::wire::type_schema renamed_order();   ///< tags is called labels there
ringactor::wire::type_schema nested_changed();  ///< wire_test.point's y is f64 there
ringactor::wire::type_schema same_everything(); ///< wire_test.everything as defined here

} // namespace twin
