// ringactor remote: the actor and kernel types a node can spawn by name at
// an authenticated peer's request. The program registers what a name means
// (the code); the configuration says which names peers may use
// (node_config::spawn_allow, the [remote] key spawn_allow, a topology node's
// `spawn` list). Both are needed: remote spawn is off until a name is in
// both.
//
//   auto types = std::make_shared<remote::spawn_registry>();
//   types->add("adder", [](actor_system& sys) { return sys.spawn(adder_impl); });
//   types->add<adder_args>("offset_adder", [](actor_system& sys, adder_args a) {
//     return sys.spawn(offset_adder_impl, a.offset);
//   });
//   types->add("gpu_adder", [](actor_system& sys) {          // a kernel, the same way
//     return sys.spawn_kernel<adder>(kernels::adder{});
//   });
//   cfg.spawnable = types;
//   cfg.spawn_allow = {"adder", "offset_adder"};
//
// On the asking node: `(*a)->spawn<adder>("node-b", "adder")` (node.hpp).
// A factory runs on the node's network thread: it should spawn and return,
// not wait. The arguments (at most one value) travel in the binary format,
// so their type is registered (RINGACTOR_TYPE) on both nodes.
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <ringactor/actor.hpp>
#include <ringactor/actor_cast.hpp>
#include <ringactor/actor_system.hpp>
#include <ringactor/expected.hpp>
#include <ringactor/mailbox_element.hpp>
#include <ringactor/type_registry.hpp>

#include "ringactor/remote/node.hpp"

namespace ringactor::remote {

class spawn_registry {
public:
  /// Spawns one actor from the decoded arguments (nullptr: none given).
  using factory = std::function<expected<actor>(actor_system&, mailbox_element* args)>;

  struct entry {
    factory make;
    /// The spawned actor's interface (detail::interface_of), empty for an
    /// untyped actor: a typed spawn request checks it, as a typed lookup does.
    std::string interface;
    /// The type of the argument, "" for none (its stable name).
    std::string args_type;
  };

  /// Registers `name` for a factory `f(actor_system&)` returning a handle
  /// (actor, a typed_actor, or expected of either). Throws
  /// std::invalid_argument when the name is empty or taken.
  template <class F>
  void add(std::string name, F f) {
    using handle = handle_of<std::invoke_result_t<F&, actor_system&>>;
    put(std::move(name),
        entry{[f = std::move(f)](actor_system& sys, mailbox_element* args) -> expected<actor> {
                if (args != nullptr)
                  return error{sec::invalid_argument, "this type is spawned without arguments"};
                return to_actor(f(sys));
              },
              interface_of<handle>(),
              {}});
  }

  /// Registers `name` for a factory `f(actor_system&, Args)`: a spawn
  /// request must carry one Args value (a registered type).
  template <class Args, class F>
  void add(std::string name, F f) {
    using handle = handle_of<std::invoke_result_t<F&, actor_system&, Args>>;
    auto args_name = ringactor::remote::detail::interface_type_name<Args>();
    put(std::move(name),
        entry{[f = std::move(f), args_name](actor_system& sys,
                                            mailbox_element* args) -> expected<actor> {
                Args* x = args != nullptr ? args->get_if<Args>() : nullptr;
                if (x == nullptr)
                  return error{sec::invalid_argument,
                               "this type is spawned with an argument of type " + args_name};
                return to_actor(f(sys, std::move(*x)));
              },
              interface_of<handle>(), args_name});
  }

  /// The entry of `name`, or nullptr.
  const entry* find(std::string_view name) const {
    auto i = entries_.find(name);
    return i == entries_.end() ? nullptr : &i->second;
  }

  /// The registered names, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& [k, v] : entries_)
      out.push_back(k);
    return out;
  }

private:
  template <class T>
  struct unwrap {
    using type = T;
  };
  template <class T>
  struct unwrap<expected<T>> {
    using type = T;
  };
  template <class T>
  using handle_of = typename unwrap<std::decay_t<T>>::type;

  template <class Handle>
  static std::string interface_of() {
    if constexpr (requires { typename Handle::signatures; })
      return ringactor::remote::detail::interface_of(typename Handle::signatures{});
    else
      return {};
  }

  template <class T>
  static expected<actor> to_actor(T&& x) {
    if constexpr (requires {
                    x.has_value();
                    x.error();
                  }) {
      if (!x)
        return x.error();
      return to_actor(std::move(*x));
    } else {
      if (!x)
        return error{sec::invalid_argument, "the factory returned no actor"};
      return actor_cast<actor>(std::forward<T>(x));
    }
  }

  void put(std::string name, entry e) {
    if (name.empty())
      throw std::invalid_argument("spawn_registry: an empty type name");
    if (!e.make)
      throw std::invalid_argument("spawn_registry: no factory for '" + name + "'");
    if (!entries_.emplace(name, std::move(e)).second)
      throw std::invalid_argument("spawn_registry: '" + name + "' is registered already");
  }

  std::map<std::string, entry, std::less<>> entries_;
};

} // namespace ringactor::remote
