// The JSON format's entry points by registered name (json_format.hpp).
#include "ringactor/json_format.hpp"

#include "ringactor/type_registry.hpp"

namespace ringactor {

expected<dynamic_message> from_json(std::string_view type_name, std::string_view in,
                                    const wire_limits& limits) {
  auto entry = type_registry::global().require(type_name);
  if (!entry)
    return entry.error();
  if (entry->json.load == nullptr)
    return wire::make_error(wire_errc::not_inspectable, entry->name, {}, {},
                            "the type has no inspect() function, so it has no JSON form");
  return entry->json.load(in, limits);
}

expected<std::string> to_json(const dynamic_message& msg, const wire_limits& limits) {
  if (!msg)
    return wire::make_error(wire_errc::invalid_value, {}, {}, {}, "the message is empty");
  auto entry = type_registry::global().find(msg.type());
  if (!entry)
    return wire::make_error(wire_errc::unknown_type, msg.type()->name, {}, {},
                            "the type is not registered (RINGACTOR_TYPE)");
  if (entry->json.save == nullptr)
    return wire::make_error(wire_errc::not_inspectable, entry->name, {}, {},
                            "the type has no inspect() function, so it has no JSON form");
  std::string out;
  if (auto r = entry->json.save(msg.data(), out, limits); !r)
    return r.error();
  return out;
}

} // namespace ringactor
