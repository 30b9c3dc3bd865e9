// test/gpu_actors: device buffers over memory someone else allocated
// (device_buffer_owner::adopt_host) and in and out of DLPack (dlpack.hpp),
// on the CPU backend: no copies, the owner's release runs once, and every
// tensor a kernel cannot take is refused with its reason.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <ringactor/all.hpp>
#include <ringactor/gpu/device_buffer.hpp>
#include <ringactor/gpu/dlpack.hpp>
#include <ringactor/gpu/kernel_actor.hpp>

using namespace ringactor;
using namespace std::chrono_literals;

namespace dlpack_test {

/// Multiplies every element of `buf` by `factor` in place; answered with
/// the count.
struct scale_in_place {
  device_buffer<float> buf;
  float factor;
};

struct in_place_scaler {
  using inputs = message_list<scale_in_place>;

  template <class Ctx>
  RINGACTOR_DEVICE std::uint64_t handle(Ctx& ctx, const scale_in_place& m) const {
    float* data = m.buf.data();
    if (data == nullptr) {
      ctx.fault(static_cast<std::uint32_t>(gpu_error::buffer_released));
      return 0;
    }
    auto n = m.buf.size();
    auto per = (n + ctx.grid_size() - 1) / ctx.grid_size();
    auto begin = std::min<std::uint64_t>(n, per * ctx.thread_rank());
    auto end = std::min<std::uint64_t>(n, begin + per);
    for (auto i = begin; i < end; ++i)
      data[i] *= m.factor;
    return n;
  }
};

using scaler_if = typed_actor<result<std::uint64_t>(scale_in_place)>;

/// A producer's tensor over a vector it owns, as NumPy's __dlpack__ makes
/// one: the deleter counts its calls (it must run exactly once).
template <class T>
struct producer {
  explicit producer(std::vector<T> values, std::vector<std::int64_t> extents = {})
    : data(std::move(values)), shape(std::move(extents)) {
    if (shape.empty())
      shape.push_back(static_cast<std::int64_t>(data.size()));
    auto& t = managed.dl_tensor;
    t.data = data.data();
    t.device = {kDLCPU, 0};
    t.ndim = static_cast<std::int32_t>(shape.size());
    t.dtype = dlpack_dtype_of<T>();
    t.shape = shape.data();
    t.strides = nullptr;
    t.byte_offset = 0;
    managed.manager_ctx = this;
    managed.deleter = [](DLManagedTensor* self) {
      ++static_cast<producer*>(self->manager_ctx)->deleted;
    };
  }
  producer(const producer&) = delete;

  std::vector<T> data;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> strides;
  DLManagedTensor managed{};
  int deleted = 0;
};

std::string message_of(const error& e) {
  return to_string(e);
}

} // namespace dlpack_test

using dlpack_test::producer;

TEST_SUITE_BEGIN("gpu_actors");

TEST_CASE("adopt_host on the CPU backend works on the caller's memory and runs its release once") {
  std::vector<float> values(1000, 1.5f);
  int released = 0;
  auto owner = device_buffer_owner<float>::adopt_host(kernel_backend::cpu, values.data(),
                                                      values.size(), [&released] { ++released; });
  CHECK(owner.host_data() == values.data());
  CHECK(owner.handle().data() == values.data());
  CHECK(owner.size() == 1000);
  owner.copy_from_host(std::vector<float>(1000, 4.0f).data(), 1000);
  CHECK(values[999] == 4.0f); // the same memory
  auto moved = std::move(owner);
  CHECK(released == 0);
  moved.release();
  CHECK(released == 1);
  moved.release();
  CHECK(released == 1);
  {
    auto scoped = device_buffer_owner<float>::adopt_host(kernel_backend::cpu, values.data(), 10,
                                                         [&released] { ++released; });
  }
  CHECK(released == 2);
  // A refusal gives the memory back too.
  CHECK_THROWS_AS(device_buffer_owner<float>::adopt_host(kernel_backend::cpu, nullptr, 10,
                                                         [&released] { ++released; }),
                  std::invalid_argument);
  CHECK(released == 3);
  auto* odd = reinterpret_cast<float*>(reinterpret_cast<std::byte*>(values.data()) + 1);
  CHECK_THROWS_AS(device_buffer_owner<float>::adopt_host(kernel_backend::cpu, odd, 10,
                                                         [&released] { ++released; }),
                  std::invalid_argument);
  CHECK(released == 4);
}

TEST_CASE("a float32 DLPack tensor feeds a CPU kernel that scales it in place, and to_dlpack "
          "hands the same memory back") {
  actor_system sys{actor_system_config{}.set_workers(2)};
  producer<float> in{std::vector<float>(100'000, 0.0f)};
  for (std::size_t i = 0; i < in.data.size(); ++i)
    in.data[i] = static_cast<float>(i % 100);
  auto owner = from_dlpack<float>(&in.managed, kernel_backend::cpu);
  REQUIRE(owner);
  CHECK(owner->host_data() == in.data.data()); // adopted, not copied
  CHECK(owner->size() == in.data.size());
  kernel_config cfg;
  cfg.backend = kernel_backend::cpu;
  cfg.grid = {.blocks = 2, .threads = 2};
  auto k = spawn_kernel<dlpack_test::scaler_if>(sys, dlpack_test::in_place_scaler{}, cfg);
  scoped_actor self{sys};
  auto n = self->request(k, 20s, dlpack_test::scale_in_place{owner->handle(), 3.0f}).get();
  REQUIRE(n);
  CHECK(*n == in.data.size());
  CHECK(in.deleted == 0);
  DLManagedTensor* out = to_dlpack(std::move(*owner));
  REQUIRE(out != nullptr);
  const auto& t = out->dl_tensor;
  CHECK(t.data == in.data.data()); // the producer's memory, scaled in place
  CHECK(t.device.device_type == kDLCPU);
  CHECK(t.ndim == 1);
  CHECK(t.shape[0] == static_cast<std::int64_t>(in.data.size()));
  CHECK(t.byte_offset == 0);
  CHECK(any_device_buffer::same_dtype(t.dtype, DLDataType{kDLFloat, 32, 1}));
  const auto* scaled = static_cast<const float*>(t.data);
  bool all_scaled = true;
  for (std::size_t i = 0; i < in.data.size(); ++i)
    all_scaled = all_scaled && scaled[i] == 3.0f * static_cast<float>(i % 100);
  CHECK(all_scaled);
  CHECK(in.deleted == 0);
  out->deleter(out); // the consumer is done: the producer's tensor goes back
  CHECK(in.deleted == 1);
}

TEST_CASE("from_dlpack refuses a wrong dtype, a strided tensor, another device and a bad "
          "byte_offset, naming the reason, and calls the deleter once") {
  auto refused = [](producer<float>& p, std::string reason) {
    auto r = from_dlpack<float>(&p.managed, kernel_backend::cpu);
    REQUIRE_FALSE(r);
    CHECK(r.error() == sec::invalid_argument);
    INFO("error: " << dlpack_test::message_of(r.error()));
    CHECK(dlpack_test::message_of(r.error()).find(reason) != std::string::npos);
    CHECK(p.deleted == 1);
  };
  {
    producer<float> p{std::vector<float>(8)};
    p.managed.dl_tensor.dtype = DLDataType{kDLFloat, 64, 1};
    refused(p, "dtype is float64, the buffer's elements are float32");
  }
  {
    // Every other element of a 2x4 array: a view NumPy exports with strides.
    producer<float> p{std::vector<float>(16), {2, 4}};
    p.strides = {8, 2};
    p.managed.dl_tensor.strides = p.strides.data();
    refused(p, "not compact row-major: dimension 1 has stride 2 where 1 was expected");
  }
  {
    producer<float> p{std::vector<float>(8)};
    p.managed.dl_tensor.device = {kDLCUDA, 0};
    refused(p, "the tensor is on kDLCUDA 0; kernels on the CPU backend take kDLCPU");
  }
  {
    producer<float> p{std::vector<float>(8)};
    p.managed.dl_tensor.byte_offset = static_cast<std::uint64_t>(-4); // "negative"
    refused(p, "wraps around the address space");
  }
  {
    producer<float> p{std::vector<float>(8)};
    p.managed.dl_tensor.byte_offset = 6; // not whole elements
    refused(p, "byte_offset 6 is not a multiple of the element size 4");
  }
  {
    producer<float> p{std::vector<float>(8)};
    p.managed.dl_tensor.data = reinterpret_cast<std::byte*>(p.data.data()) + 2;
    refused(p, "is not aligned to its element (4 bytes)");
  }
  {
    producer<float> p{std::vector<float>(8)};
    p.managed.dl_tensor.dtype = DLDataType{kDLFloat, 32, 4};
    auto r = from_dlpack_any(&p.managed);
    REQUIRE_FALSE(r);
    CHECK(dlpack_test::message_of(r.error()).find("not one lane") != std::string::npos);
    CHECK(p.deleted == 1);
  }
  auto none = from_dlpack<float>(nullptr);
  REQUIRE_FALSE(none);
  CHECK(dlpack_test::message_of(none.error()).find("the tensor is null") != std::string::npos);
}

TEST_CASE("a tensor whose dtype is known at run time becomes a typed owner only of that dtype, "
          "without a copy") {
  // 3x4, compact, with strides given, and an extent-1 dimension whose stride
  // is anything (NumPy's exports differ there).
  producer<std::int32_t> p{std::vector<std::int32_t>(12, 7), {3, 1, 4}};
  p.strides = {4, 99, 1};
  p.managed.dl_tensor.strides = p.strides.data();
  p.managed.dl_tensor.byte_offset = 0;
  auto any = from_dlpack_any(&p.managed, kernel_backend::cpu);
  REQUIRE(any);
  CHECK(dlpack_dtype_name(any->dtype()) == "int32");
  CHECK(any->element_size() == 4);
  CHECK(any->size() == 12);
  CHECK(any->host_data() == p.data.data());
  auto wrong = std::move(*any).as<float>();
  REQUIRE_FALSE(wrong);
  CHECK(dlpack_test::message_of(wrong.error()).find("its dtype is int32, not float32")
        != std::string::npos);
  CHECK(p.deleted == 0); // still held by `any`
  auto typed = std::move(*any).as<std::int32_t>();
  REQUIRE(typed);
  CHECK(typed->host_data() == p.data.data());
  CHECK(typed->handle()[11] == 7);
  typed->release();
  CHECK(p.deleted == 1);
  // An offset of whole elements is the buffer's start.
  producer<double> q{std::vector<double>(6, 1.0)};
  q.managed.dl_tensor.shape[0] = 4;
  q.managed.dl_tensor.byte_offset = 2 * sizeof(double);
  auto offset = from_dlpack<double>(&q.managed);
  REQUIRE(offset);
  CHECK(offset->host_data() == q.data.data() + 2);
  CHECK(offset->size() == 4);
  auto* out = to_dlpack(std::move(*offset));
  REQUIRE(out);
  CHECK(out->dl_tensor.data == q.data.data() + 2);
  CHECK(any_device_buffer::same_dtype(out->dl_tensor.dtype, DLDataType{kDLFloat, 64, 1}));
  out->deleter(out);
  CHECK(q.deleted == 1);
}

TEST_CASE("an empty tensor without memory becomes an empty buffer, and its deleter runs once") {
  producer<float> p{std::vector<float>{}};
  p.managed.dl_tensor.data = nullptr;
  auto owner = from_dlpack<float>(&p.managed);
  REQUIRE(owner);
  CHECK(owner->size() == 0);
  CHECK(p.deleted == 1);
  CHECK(to_dlpack(std::move(*owner)) == nullptr);
  // With memory but no elements, the owner holds it until it is gone.
  producer<float> q{std::vector<float>(4)};
  q.managed.dl_tensor.shape[0] = 0;
  {
    auto empty = from_dlpack<float>(&q.managed);
    REQUIRE(empty);
    CHECK(empty->size() == 0);
    CHECK(q.deleted == 0);
  }
  CHECK(q.deleted == 1);
}

TEST_SUITE_END();
