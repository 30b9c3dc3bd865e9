#include "ringactor/named_actor_registry.hpp"

#include <fmt/format.h>

namespace ringactor {

named_actor_registry::~named_actor_registry() {
  clear();
}

expected<void> named_actor_registry::put_impl(std::string name, strong_actor_ptr ptr,
                                              type_id_t interface) {
  if (name.empty())
    return error{sec::invalid_argument, "registry().put: the name is empty"};
  if (!ptr)
    return error{sec::invalid_argument,
                 fmt::format("registry().put(\"{}\"): the handle is invalid", name)};
  strong_actor_ptr replaced;
  {
    std::lock_guard guard{mtx_};
    // Under mtx_: an actor that terminates after this mark removes its
    // entries in finalize(), which waits for mtx_ and so sees the insert.
    if (!ptr->watch_named_entries())
      return error{
        sec::invalid_argument,
        fmt::format("registry().put(\"{}\"): actor {} already terminated", name, ptr->id())};
    auto& slot = entries_[std::move(name)];
    replaced = std::exchange(slot.ptr, std::move(ptr));
    slot.interface = interface;
  }
  // `replaced` is released outside the lock: its last reference may end it.
  return {};
}

expected<strong_actor_ptr> named_actor_registry::get_impl(std::string_view name,
                                                          type_id_t requested) const {
  std::lock_guard guard{mtx_};
  auto i = entries_.find(name);
  // A terminated actor may still be listed for the moment between its
  // termination and finalize() removing its entries: it is not returned.
  if (i == entries_.end() || i->second.ptr->is_terminated())
    return error{sec::no_such_actor, fmt::format("no actor is registered as \"{}\"", name)};
  if (requested != nullptr && requested != i->second.interface)
    return error{sec::interface_mismatch,
                 fmt::format("\"{}\" is registered as {}, not as the requested {}", name,
                             i->second.interface == type_id_of<actor>()
                               ? std::string_view{"an untyped actor"}
                               : i->second.interface->name,
                             requested->name)};
  return i->second.ptr;
}

bool named_actor_registry::erase(std::string_view name) {
  strong_actor_ptr released;
  std::lock_guard guard{mtx_};
  auto i = entries_.find(name);
  if (i == entries_.end())
    return false;
  released = std::move(i->second.ptr);
  entries_.erase(i);
  return true;
}

std::vector<std::string> named_actor_registry::names() const {
  std::vector<std::string> result;
  std::lock_guard guard{mtx_};
  result.reserve(entries_.size());
  for (auto& [name, e] : entries_)
    if (!e.ptr->is_terminated())
      result.push_back(name);
  return result;
}

size_t named_actor_registry::size() const {
  std::lock_guard guard{mtx_};
  size_t n = 0;
  for (auto& [name, e] : entries_)
    n += e.ptr->is_terminated() ? 0 : 1;
  return n;
}

void named_actor_registry::remove_actor(abstract_actor* x,
                                        std::vector<strong_actor_ptr>& released) {
  std::lock_guard guard{mtx_};
  for (auto i = entries_.begin(); i != entries_.end();) {
    if (i->second.ptr.get() == x) {
      released.push_back(std::move(i->second.ptr));
      i = entries_.erase(i);
    } else {
      ++i;
    }
  }
}

void named_actor_registry::clear() {
  std::map<std::string, entry, std::less<>> old;
  {
    std::lock_guard guard{mtx_};
    old.swap(entries_);
  }
  // Released outside the lock: a last reference ends its actor, whose
  // finalize() calls remove_actor.
}

} // namespace ringactor
