// The test-only extension `_ringactor_buffers_testing`: a kernel (CPU
// backend) that scales a device_buffer<float> named in its message, asked
// with the buffer of a Python ringactor.DeviceBuffer (test_buffers.py).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <pybind11/pybind11.h>

#include <ringactor/all.hpp>
#include <ringactor/gpu/device_buffer.hpp>
#include <ringactor/gpu/kernel_actor.hpp>
#include <ringactor/type_registry.hpp>

#include "buffers.hpp"
#include "handle.hpp"
#include "inprocess_types.hpp"

namespace buffers_testing {

using namespace ringactor;

/// Multiplies every element of `buf` by `factor`.
struct scale {
  device_buffer<float> buf;
  float factor;
};

/// Each rank of the grid scales a contiguous chunk; answers the count.
struct scaler {
  using inputs = message_list<scale>;

  template <class Ctx>
  RINGACTOR_DEVICE std::uint64_t handle(Ctx& ctx, const scale& m) const {
    float* data = m.buf.data();
    auto n = m.buf.size();
    auto per = (n + ctx.grid_size() - 1) / ctx.grid_size();
    auto begin = std::min<std::uint64_t>(n, per * ctx.thread_rank());
    auto end = std::min<std::uint64_t>(n, begin + per);
    for (auto i = begin; i < end; ++i)
      data[i] *= m.factor;
    return n;
  }
};

/// What the viewer kernel answers: the buffer it scaled and the count.
struct scaled {
  device_buffer<float> buf;
  std::uint64_t n;
};

/// The scaler that answers with the buffer itself (a device_buffer in a
/// reply: ringactor.DeviceBuffer views it).
struct viewer {
  using inputs = message_list<scale>;

  template <class Ctx>
  RINGACTOR_DEVICE scaled handle(Ctx& ctx, const scale& m) const {
    return scaled{m.buf, scaler{}.handle(ctx, m)};
  }
};

// Named, without inspect(): the registry has no codec for them, so no
// network edge can carry their buffers' addresses.
RINGACTOR_TYPE(scale, "buffers_testing.scale")
RINGACTOR_TYPE(scaled, "buffers_testing.scaled")

using scaler_if = typed_actor<result<std::uint64_t>(scale)>;
using viewer_if = typed_actor<result<scaled>(scale)>;

} // namespace buffers_testing

namespace {

namespace py = pybind11;
using namespace ringactor;
using ringactor::python::member;
using ringactor::python::py_device_buffer;
using ringactor::python::system_box;
using box_ptr = std::shared_ptr<system_box>;

} // namespace

PYBIND11_MODULE(_ringactor_buffers_testing, m) {
  m.doc() = "Test-only kernel for ringactor.DeviceBuffer";
  // The kernel's messages as ringactor.types classes: device_buffer fields
  // travel only in the process (inprocess_types.hpp).
  ringactor::python::add_inprocess_type<buffers_testing::scale>(
    "buffers_testing.scale", member("buf", &buffers_testing::scale::buf),
    member("factor", &buffers_testing::scale::factor));
  ringactor::python::add_inprocess_type<buffers_testing::scaled>(
    "buffers_testing.scaled", member("buf", &buffers_testing::scaled::buf),
    member("n", &buffers_testing::scaled::n));
  m.def(
    "spawn_viewer",
    [](const box_ptr& box, const std::string& name) {
      kernel_config cfg;
      cfg.backend = kernel_backend::cpu;
      cfg.grid = {.blocks = 2, .threads = 2};
      auto k = spawn_kernel<buffers_testing::viewer_if>(box->sys, buffers_testing::viewer{}, cfg);
      if (auto r = box->sys.registry().put(name, k); !r)
        throw std::runtime_error(to_string(r.error()));
    },
    py::arg("system"), py::arg("name"),
    "Spawns the viewer kernel (CPU backend: scales, answers with the buffer), registered as "
    "`name`.");
  m.def(
    "wire_codecs",
    [](const std::string& name) {
      // What a network edge could reach: the registry's codecs of the type.
      auto e = type_registry::global().find(name);
      return py::make_tuple(e && e->json.load != nullptr, e && e->binary.load != nullptr);
    },
    py::arg("name"), "(has a JSON codec, has a binary codec) of the registered type `name`.");
  m.def(
    "spawn_scaler",
    [](const box_ptr& box, const std::string& name) {
      kernel_config cfg;
      cfg.backend = kernel_backend::cpu;
      cfg.grid = {.blocks = 2, .threads = 2};
      auto k = spawn_kernel<buffers_testing::scaler_if>(box->sys, buffers_testing::scaler{}, cfg);
      if (auto r = box->sys.registry().put(name, k); !r)
        throw std::runtime_error(to_string(r.error()));
    },
    py::arg("system"), py::arg("name"),
    "Spawns the scaler kernel (CPU backend), registered as `name`.");
  m.def(
    "scale",
    [](const box_ptr& box, const std::string& name, const py_device_buffer& buf, float factor) {
      // The handle is taken (and its dtype checked) before anything is sent.
      auto handle = buf.handle<float>();
      auto k = box->sys.registry().get<buffers_testing::scaler_if>(name);
      if (!k)
        throw std::runtime_error(to_string(k.error()));
      py::gil_scoped_release nogil;
      scoped_actor self{box->sys};
      auto n = self->request(*k, std::chrono::seconds{10}, buffers_testing::scale{handle, factor})
                 .get();
      if (!n)
        throw std::runtime_error(to_string(n.error()));
      return *n;
    },
    py::arg("system"), py::arg("name"), py::arg("buffer"), py::arg("factor"),
    "Asks the scaler kernel `name` to multiply `buffer` (float32) by `factor`; returns the "
    "count.");
}
