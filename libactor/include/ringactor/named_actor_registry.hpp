// ringactor: actors registered under a name, with their interface, so that
// code that was not handed an actor can find it (CAF's actor registry).
//
//   sys.registry().put("calc", calc);                  // calc: a calculator handle
//   auto c = sys.registry().get<calculator>("calc");   // expected<calculator>
//   auto any = sys.registry().get<actor>("calc");      // untyped: any entry
//
// The registry keeps its actors alive (strong references) until they
// terminate: then their entries are removed before their monitors see the
// down message, so a lookup never yields a terminated actor.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ringactor/actor.hpp"
#include "ringactor/expected.hpp"
#include "ringactor/type_id.hpp"
#include "ringactor/typed_actor.hpp"

namespace ringactor {

namespace detail {

template <class Handle>
inline constexpr bool is_registrable_handle_v = std::is_same_v<Handle, actor>
                                                || is_typed_actor_v<Handle>;

} // namespace detail

/// Names to actors, each with the interface it was registered with. One
/// per actor_system (`sys.registry()`); thread-safe.
class named_actor_registry {
public:
  named_actor_registry() = default;
  named_actor_registry(const named_actor_registry&) = delete;
  named_actor_registry& operator=(const named_actor_registry&) = delete;
  ~named_actor_registry();

  /// Registers `h` under `name`, replacing what was there. The entry records
  /// `h`'s interface (its handle type): get<Interface> checks it. Fails
  /// with invalid_argument for an empty name, an invalid handle, or an
  /// actor that already terminated.
  template <class Handle>
  expected<void> put(std::string name, const Handle& h) {
    static_assert(detail::is_registrable_handle_v<Handle>,
                  "ringactor: registry().put takes an actor or a typed_actor<...> handle");
    return put_impl(std::move(name), h.ctrl(), type_id_of<Handle>());
  }

  /// The actor registered under `name` as a `Handle`: `actor` gets any
  /// entry; a typed handle gets only an entry registered with that same
  /// interface. Errors: no_such_actor (no entry, or its actor terminated),
  /// interface_mismatch (naming the registered and the requested interface).
  template <class Handle>
  expected<Handle> get(std::string_view name) const {
    static_assert(detail::is_registrable_handle_v<Handle>,
                  "ringactor: registry().get<Handle> takes actor or a typed_actor<...> interface");
    auto ptr = get_impl(name, std::is_same_v<Handle, actor> ? nullptr : type_id_of<Handle>());
    if (!ptr)
      return ptr.error();
    return Handle{std::move(*ptr)};
  }

  /// Removes the entry `name`; false if there was none.
  bool erase(std::string_view name);

  /// The registered names, sorted.
  std::vector<std::string> names() const;

  /// The number of entries.
  size_t size() const;

  // -- internals (used by the runtime) ------------------------------------------

  /// Removes every entry of `x` (it terminates). Called by abstract_actor.
  void remove_actor(abstract_actor* x, std::vector<strong_actor_ptr>& released);

  /// Removes every entry (the system shuts down).
  void clear();

private:
  struct entry {
    strong_actor_ptr ptr;
    type_id_t interface;
  };

  expected<void> put_impl(std::string name, strong_actor_ptr ptr, type_id_t interface);
  /// `requested` null: any interface.
  expected<strong_actor_ptr> get_impl(std::string_view name, type_id_t requested) const;

  mutable std::mutex mtx_;
  std::map<std::string, entry, std::less<>> entries_; // guarded by mtx_
};

} // namespace ringactor
