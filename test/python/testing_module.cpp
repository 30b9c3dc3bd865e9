// The test-only extension `_ringactor_testing`: C++ message types and C++
// actors for the Python suite. It links the same shared core library as
// `_ringactor`, so the types it registers land in the registry the main
// module reads (test_registry.py checks it).
#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/gpu/kernels/adder.hpp>
#include <ringactor/supervision/supervisor.hpp>
#include <ringactor/type_registry.hpp>

#include "handle.hpp"
#include "pool_factories.hpp"

namespace shop {

struct order {
  std::int64_t id = 0;
  std::int32_t qty = 0;
  std::vector<std::string> tags;

  /// A pool's consistent_hash key (the "scorer" pool factory).
  std::int64_t key() const noexcept { return id; }
};

template <class Inspector>
bool inspect(Inspector& f, order& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("qty", x.qty), f.field("tags", x.tags));
}

RINGACTOR_TYPE(order, "shop.order")

struct score {
  std::int64_t order_id = 0;
  double value = 0;
  std::string grade;
};

template <class Inspector>
bool inspect(Inspector& f, score& x) {
  return f.object(x).fields(f.field("order_id", x.order_id), f.field("value", x.value),
                            f.field("grade", x.grade));
}

RINGACTOR_TYPE(score, "shop.score")

/// Nested and optional fields (ringactor.types' converters and checks).
struct basket {
  std::vector<order> orders;
  std::optional<std::string> owner;
  std::map<std::string, double> discounts;
};

template <class Inspector>
bool inspect(Inspector& f, basket& x) {
  return f.object(x).fields(f.field("orders", x.orders), f.field("owner", x.owner),
                            f.field("discounts", x.discounts));
}

RINGACTOR_TYPE(basket, "shop.basket")

/// Every field kind the direct path (python/src/typed_values.hpp) writes
/// and reads: each integer width, f32, bool, an array, a duration, a plain
/// enum, an optional nested object, a map of lists.
enum class level : std::int16_t { low = 1, high = 2 };

struct sample {
  std::int8_t i8 = 0;
  std::uint8_t u8 = 0;
  std::int16_t i16 = 0;
  std::uint16_t u16 = 0;
  std::uint32_t u32 = 0;
  std::uint64_t u64 = 0;
  float f32 = 0;
  bool flag = false;
  std::array<std::int32_t, 3> triple{};
  std::chrono::milliseconds wait{0};
  level lvl = level::low;
  std::optional<order> first;
  std::map<std::string, std::vector<std::int64_t>> groups;
};

template <class Inspector>
bool inspect(Inspector& f, sample& x) {
  return f.object(x).fields(f.field("i8", x.i8), f.field("u8", x.u8), f.field("i16", x.i16),
                            f.field("u16", x.u16), f.field("u32", x.u32), f.field("u64", x.u64),
                            f.field("f32", x.f32), f.field("flag", x.flag),
                            f.field("triple", x.triple), f.field("wait", x.wait),
                            f.field("lvl", x.lvl), f.field("first", x.first),
                            f.field("groups", x.groups));
}

RINGACTOR_TYPE(sample, "shop.sample")

/// A variant field: a kind the direct path leaves to the JSON codec.
struct tagged {
  std::variant<std::int64_t, std::string> tag;
};

template <class Inspector>
bool inspect(Inspector& f, tagged& x) {
  return f.object(x).fields(f.field("tag", x.tag));
}

RINGACTOR_TYPE(tagged, "shop.tagged")

} // namespace shop

// The adder kernel's message, described here for the test (the library
// leaves it without a wire name).
namespace ringactor::kernels {

template <class Inspector>
bool inspect(Inspector& f, add& x) {
  return f.object(x).fields(f.field("a", x.a), f.field("b", x.b));
}

RINGACTOR_TYPE(add, "kernels.add")

} // namespace ringactor::kernels

namespace {

namespace py = pybind11;
using namespace ringactor;
using ringactor::python::system_box;
using box_ptr = std::shared_ptr<system_box>;

using scorer_if = typed_actor<result<shop::score>(shop::order)>;
using adder_if = typed_actor<result<std::int32_t>(kernels::add)>;

scorer_if::behavior_type scorer() {
  return {
    [](const shop::order& o) {
      return shop::score{o.id, o.qty * 1.5, o.tags.empty() ? "plain" : o.tags.front()};
    },
  };
}

template <class Handle>
void put(system_box& box, const std::string& name, const Handle& h) {
  if (auto r = box.sys.registry().put(name, h); !r)
    throw std::runtime_error(to_string(r.error()));
}

/// Requests the actor registered as `target` (looked up per message: the
/// Python test registers it) with what it gets, and answers with the reply:
/// an int64 is answered with an int64, a string with the string "unit"
/// once the target answered with an empty reply.
behavior asker(event_based_actor* self, std::string target) {
  return {
    [self, target](std::int64_t n) -> result<std::int64_t> {
      auto dest = self->system().registry().get<actor>(target);
      if (!dest)
        return dest.error();
      auto rp = self->make_response_promise<std::int64_t>();
      self->request(*dest, std::chrono::seconds{5}, n)
        .then([rp](std::int64_t x) mutable { rp.deliver(x); },
              [rp](const error& e) mutable { rp.deliver(e); });
      return rp;
    },
    [self, target](const std::string& s) -> result<std::string> {
      auto dest = self->system().registry().get<actor>(target);
      if (!dest)
        return dest.error();
      auto rp = self->make_response_promise<std::string>();
      self->request(*dest, std::chrono::seconds{5}, s)
        .then([rp]() mutable { rp.deliver(std::string{"unit"}); },
              [rp](const error& e) mutable { rp.deliver(e); });
      return rp;
    },
  };
}

/// `n` requests of `msg` from a scoped actor, one after the other: each
/// round trip in microseconds.
template <class Handle, class T, class R>
std::vector<double> time_requests(actor_system& sys, const Handle& dest, T msg, std::int64_t n) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(n));
  scoped_actor self{sys};
  for (std::int64_t i = 0; i < n; ++i) {
    auto start = std::chrono::steady_clock::now();
    bool ok = false;
    self->request(dest, std::chrono::seconds{5}, msg)
      .receive([&](R&) { ok = true; }, [&](const error&) {});
    auto d = std::chrono::steady_clock::now() - start;
    if (!ok)
      throw std::runtime_error("a timed request failed");
    out.push_back(std::chrono::duration<double, std::micro>(d).count());
  }
  return out;
}

/// A Python object a runtime thread may drop: the last owner takes the GIL
/// (unless the interpreter is finalizing; then it leaks).
std::shared_ptr<py::object> shared_object(py::object x) {
  return std::shared_ptr<py::object>(new py::object(std::move(x)), [](py::object* p) {
    if (Py_IsInitialized() != 0 && _Py_IsFinalizing() == 0) {
      py::gil_scoped_acquire gil;
      delete p;
    } else {
      p->release(); // the interpreter takes its objects down itself
      delete p;
    }
  });
}

} // namespace

PYBIND11_MODULE(_ringactor_testing, m) {
  m.doc() = "C++ actors and message types for ringactor's Python tests";
  m.def(
    "spawn_scorer",
    [](const box_ptr& box, const std::string& name) { put(*box, name, box->sys.spawn(scorer)); },
    "Spawns a typed C++ scorer (shop.order -> shop.score) registered as `name`.");
  m.def(
    "spawn_adder_kernel",
    [](const box_ptr& box, const std::string& name) {
      auto k = spawn_kernel<adder_if>(box->sys, kernels::adder{},
                                      {.backend = kernel_backend::cpu, .h2k_capacity = 64});
      put(*box, name, k);
    },
    "Spawns the adder kernel (kernels.add -> i32) on the CPU backend, registered as `name`.");
  m.def(
    "spawn_asker",
    [](const box_ptr& box, const std::string& name, const std::string& target) {
      put(*box, name, box->sys.spawn(asker, target));
    },
    "Spawns a C++ actor, registered as `name`, that requests the actor registered as `target` "
    "and answers with what it got.");
  m.def(
    "time_scorer_requests",
    [](const box_ptr& box, const std::string& name, std::int64_t n) {
      auto dest = box->sys.registry().get<scorer_if>(name);
      if (!dest)
        throw std::runtime_error(to_string(dest.error()));
      py::gil_scoped_release nogil;
      return time_requests<scorer_if, shop::order, shop::score>(box->sys, *dest,
                                                                shop::order{7, 3, {}}, n);
    },
    "Round trips (microseconds) of `n` requests from C++ to the scorer `name`.");
  m.def(
    "time_kernel_requests",
    [](const box_ptr& box, const std::string& name, std::int64_t n) {
      auto dest = box->sys.registry().get<adder_if>(name);
      if (!dest)
        throw std::runtime_error(to_string(dest.error()));
      py::gil_scoped_release nogil;
      return time_requests<adder_if, kernels::add, std::int32_t>(box->sys, *dest,
                                                                 kernels::add{1, 2}, n);
    },
    "Round trips (microseconds) of `n` requests from C++ to the adder kernel `name`.");
  m.def(
    "spawn_supervisor",
    [](const box_ptr& box, py::object factory) {
      // The child is a Python actor made by a Python factory, which the
      // supervisor calls on its own worker (the GIL taken for the call).
      auto f = shared_object(std::move(factory));
      supervision::child_spec child{
        .name = "python_child",
        .start = [f](actor_system&) -> actor {
          py::gil_scoped_acquire gil;
          auto h = (*f)().cast<ringactor::python::py_handle>();
          return actor{h.ptr};
        },
      };
      auto sup = box->sys.spawn(supervision::supervisor{
        .strategy = supervision::one_for_one{.max_restarts = 5, .within = std::chrono::seconds{10}},
        .children = {std::move(child)}});
      auto id = sup.id();
      return ringactor::python::py_handle{sup.ctrl(), id, box};
    },
    "Spawns a C++ supervisor whose one child (permanent, one_for_one) the Python `factory` "
    "spawns; returns the supervisor's handle.");
  m.def(
    "register_pool_factories",
    [] {
      // Through _ringactor's capsule, as an application's extension would.
      auto& reg = ringactor::python::pool_factories_of_module();
      if (!reg.contains(telemetry::worker_kind::kernel, "adder"))
        reg.add_kernel(
          "adder", [](actor_system& sys, const telemetry::pool_spec& spec) -> expected<actor> {
            return actor_cast<actor>(sys.spawn(spec.to_pool<adder_if>([](actor_system& s) {
              return spawn_kernel<adder_if>(s, kernels::adder{},
                                            {.backend = kernel_backend::cpu, .h2k_capacity = 64});
            })));
          });
      if (!reg.contains(telemetry::worker_kind::actor, "scorer"))
        reg.add_actor("scorer",
                      [](actor_system& sys, const telemetry::pool_spec& spec) -> expected<actor> {
                        return actor_cast<actor>(sys.spawn(spec.to_pool<scorer_if>(
                          [](actor_system& s) { return s.spawn(scorer); })));
                      });
    },
    "Registers the pool factories 'adder' (kernel) and 'scorer' (actor) with _ringactor.");
  m.def(
    "registry_size", [] { return type_registry::global().size(); },
    "The registry's size as this extension sees it.");
  m.def(
    "registry_address", [] { return reinterpret_cast<std::uintptr_t>(&type_registry::global()); },
    "Where the registry this extension reads lives.");
}
