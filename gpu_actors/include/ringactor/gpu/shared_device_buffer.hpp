// ringactor: a device buffer with shared ownership, the form in which a
// buffer may be a field of a message that crosses a node.
//
// A device_buffer<T> is a handle without ownership (a pointer, a size and
// a registry slot, device_buffer.hpp): it cannot be a message field
// (inspect.hpp refuses it at compile time, naming the type), because its
// pointer means nothing on another node and says nothing about who frees
// the memory there. A shared_device_buffer<T> owns its memory
// (a device_buffer_owner<T> behind a shared pointer): every copy keeps it
// alive, and the last one to go frees it. So a message that carries one, a
// copy of that message, or a copy of the field a handler keeps, each keeps
// the memory, and none can dangle.
//
//   struct scale { shared_device_buffer<float> data; float k; };
//   template <class Inspector>
//   bool inspect(Inspector& f, scale& x) {
//     return f.object(x).fields(f.field("data", x.data), f.field("k", x.k));
//   }
//   auto buf = shared_device_buffer<float>{allocate_device_buffer<float>(sys, n)};
//   buf.copy_from_host(input.data(), n);
//   self->request(remote_scorer, 5s, scale{buf, 2.0f});
//   // the receiving node's handler: m.data.handle() for its kernels,
//   // m.data.copy_to_host(...) on the host; keeping m.data keeps the memory.
//
// Across nodes a buffer travels by content (remote/node.hpp): the sending
// node reads its bytes (host memory directly, device memory staged through
// pinned host memory), carries them in the frame beside the message, and
// the receiving node allocates a buffer of its configured backend and
// device (node_config::buffer_backend, buffer_device), fills it, and hands
// the message a shared_device_buffer that owns it. The wire form of the
// field is its element count, element size and an index into the frame's
// buffers: it can only be written and read where a buffer_carrier is in
// scope (a remote node's encoding and decoding). Anywhere else (to_bytes,
// JSON) a non-empty buffer is an error naming the field, never a pointer
// written out; an empty one is written as empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ringactor/error.hpp"
#include "ringactor/expected.hpp"
#include "ringactor/gpu/device_buffer.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor {

namespace detail {

/// Where the bytes of the shared_device_buffer fields of a message go while
/// it is encoded for another node, and where they come from while it is
/// decoded there. The remote layer puts one in scope on the thread that
/// encodes or decodes (scoped_buffer_carrier); the fields' inspect finds it
/// with current().
class buffer_carrier {
public:
  virtual ~buffer_carrier() = default;

  /// Saving: takes note of `bytes` bytes of a buffer's memory (host memory
  /// at `host`, or device memory at `device` when `host` is null), which
  /// stay valid until the encoding is done; returns the buffer's index in
  /// the frame (from 1), or an error that says why not (`path` names the
  /// field; the inspector reports the error at that path itself, so the
  /// error's text need not repeat it).
  virtual expected<std::uint32_t> put(const std::byte* host, const std::byte* device,
                                      std::size_t bytes, std::string_view path) = 0;

  /// Loading: the memory of buffer `index`, which must hold `bytes` bytes,
  /// allocated on the receiving node's backend and device and filled.
  struct received {
    shared_region memory;
    int device = 0;
  };
  virtual expected<received> take(std::uint32_t index, std::size_t bytes,
                                  std::string_view path) = 0;

  /// The carrier in scope on this thread, or null.
  static buffer_carrier* current() noexcept;

private:
  friend class scoped_buffer_carrier;
  static buffer_carrier*& slot() noexcept;
};

/// Puts a carrier in scope on this thread until destroyed (nesting: the
/// previous one comes back).
class scoped_buffer_carrier {
public:
  explicit scoped_buffer_carrier(buffer_carrier& c) noexcept
    : previous_(std::exchange(buffer_carrier::slot(), &c)) {}
  ~scoped_buffer_carrier() { buffer_carrier::slot() = previous_; }
  scoped_buffer_carrier(const scoped_buffer_carrier&) = delete;
  scoped_buffer_carrier& operator=(const scoped_buffer_carrier&) = delete;

private:
  buffer_carrier* previous_;
};

/// Copies `bytes` bytes of a buffer's memory to host memory at `dst`: a
/// memcpy for host memory (`host` not null); device memory (at `device`) is
/// staged through pinned host memory (allocate_mapped) in chunks, each
/// copied device to host (cudaMemcpy on the memory's stream) and then to
/// `dst`. Throws cuda_error.
void read_buffer_bytes(const std::byte* host, const std::byte* device, std::size_t bytes,
                       std::byte* dst);

/// The reverse: `bytes` bytes at `src` into a buffer's memory, device
/// memory staged through pinned host memory the same way.
void write_buffer_bytes(std::byte* host, std::byte* device, std::size_t bytes,
                        const std::byte* src);

/// Fails `f` with `code` at its current path when its format can (every
/// format_base can; the schema's walker never gets here with a buffer).
template <class Inspector>
bool buffer_field_fails(Inspector& f, wire_errc code, std::string_view what) {
  if constexpr (requires { f.fail(code, what); })
    return f.fail(code, what);
  else
    return false;
}

/// The wire name of shared_device_buffer<T>: its element type spelled as
/// the schema spells scalars.
template <class T>
constexpr std::string_view shared_buffer_name() noexcept {
  if constexpr (std::is_same_v<T, float>)
    return "ringactor.shared_device_buffer<f32>";
  else if constexpr (std::is_same_v<T, double>)
    return "ringactor.shared_device_buffer<f64>";
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
    return sizeof(T) == 1   ? "ringactor.shared_device_buffer<i8>"
           : sizeof(T) == 2 ? "ringactor.shared_device_buffer<i16>"
           : sizeof(T) == 4 ? "ringactor.shared_device_buffer<i32>"
                            : "ringactor.shared_device_buffer<i64>";
  else if constexpr (std::is_integral_v<T>)
    return sizeof(T) == 1   ? "ringactor.shared_device_buffer<u8>"
           : sizeof(T) == 2 ? "ringactor.shared_device_buffer<u16>"
           : sizeof(T) == 4 ? "ringactor.shared_device_buffer<u32>"
                            : "ringactor.shared_device_buffer<u64>";
  else
    // Another trivially copyable element: its size travels with the
    // buffer and is checked on receipt.
    return "ringactor.shared_device_buffer";
}

} // namespace detail

/// A device buffer whose memory every copy shares (see the file comment).
template <class T>
class shared_device_buffer {
public:
  shared_device_buffer() noexcept = default;

  /// Takes over `owner`'s memory; `owner`'s handles stay valid while any
  /// copy of this lives.
  explicit shared_device_buffer(device_buffer_owner<T>&& owner)
    : owner_(std::make_shared<device_buffer_owner<T>>(std::move(owner))) {}

  /// Whether it holds memory (a buffer of 0 elements may, or may not).
  explicit operator bool() const noexcept { return owner_ != nullptr; }

  /// A handle for kernels and messages within this process: live while any
  /// copy of this buffer is.
  device_buffer<T> handle() const noexcept {
    return owner_ ? owner_->handle() : device_buffer<T>{};
  }

  std::uint64_t size() const noexcept { return owner_ ? owner_->size() : 0; }
  /// The elements at the host's address; null for device memory and for
  /// an empty buffer.
  T* host_data() const noexcept { return owner_ ? owner_->host_data() : nullptr; }
  bool host_visible() const noexcept { return owner_ && owner_->host_visible(); }
  /// The CUDA device of device memory (0 for host memory).
  int device() const noexcept { return owner_ ? owner_->device() : 0; }
  /// How many copies share the memory (0 for an empty buffer).
  long use_count() const noexcept { return owner_.use_count(); }

  /// As device_buffer_owner's (throws std::out_of_range on an empty buffer
  /// when n > 0).
  void copy_from_host(const T* src, std::uint64_t n, std::uint64_t offset = 0) const {
    if (owner_)
      owner_->copy_from_host(src, n, offset);
    else if (n > 0)
      detail::throw_buffer_range(offset, n, 0);
  }
  void copy_to_host(T* dst, std::uint64_t n, std::uint64_t offset = 0) const {
    if (owner_)
      owner_->copy_to_host(dst, n, offset);
    else if (n > 0)
      detail::throw_buffer_range(offset, n, 0);
  }

private:
  std::shared_ptr<device_buffer_owner<T>> owner_;
};

template <class T>
constexpr std::string_view ringactor_type_name(shared_device_buffer<T>*) noexcept {
  return detail::shared_buffer_name<T>();
}

/// The wire form: {elements, element_size, index}, the bytes beside the
/// message in a remote node's frame (detail::buffer_carrier). Index 0 is an
/// empty buffer.
template <class Inspector, class T>
bool inspect(Inspector& f, shared_device_buffer<T>& x) {
  auto fail = [&f](wire_errc code, std::string_view what) {
    return detail::buffer_field_fails(f, code, what);
  };
  std::uint64_t elements = 0;
  std::uint32_t element_size = sizeof(T);
  std::uint32_t index = 0;
  if constexpr (!Inspector::is_loading) {
    auto h = x.handle();
    elements = h.size();
    if (elements > 0) {
      auto* carrier = detail::buffer_carrier::current();
      if (carrier == nullptr)
        return fail(wire_errc::not_inspectable,
                    "a shared_device_buffer travels by content only between remote nodes "
                    "(its bytes go beside the message in a node's frame)");
      auto* host = reinterpret_cast<const std::byte*>(x.host_data());
      auto* device = reinterpret_cast<const std::byte*>(h.data());
      auto put = carrier->put(host, device, static_cast<std::size_t>(elements) * sizeof(T),
                              f.path());
      if (!put)
        return fail(wire_errc::limit_exceeded, put.error().context());
      index = *put;
    }
  }
  if (!f.object(x).fields(f.field("elements", elements), f.field("element_size", element_size),
                          f.field("index", index)))
    return false;
  if constexpr (Inspector::is_loading) {
    if (element_size != sizeof(T))
      return fail(wire_errc::type_mismatch, "a buffer of " + std::to_string(element_size)
                                              + "-byte elements for one of "
                                              + std::to_string(sizeof(T)) + "-byte elements");
    if (index == 0) {
      if (elements != 0)
        return fail(wire_errc::invalid_value, "a buffer of " + std::to_string(elements)
                                                + " elements without bytes (index 0)");
      x = shared_device_buffer<T>{};
      return true;
    }
    auto* carrier = detail::buffer_carrier::current();
    if (carrier == nullptr)
      return fail(wire_errc::not_inspectable,
                  "a shared_device_buffer is read only from a remote node's frame");
    if (elements > std::numeric_limits<std::size_t>::max() / sizeof(T))
      return fail(wire_errc::limit_exceeded,
                  "a buffer of " + std::to_string(elements) + " elements");
    auto got = carrier->take(index, static_cast<std::size_t>(elements) * sizeof(T), f.path());
    if (!got)
      return fail(wire_errc::invalid_value, got.error().context());
    x = shared_device_buffer<T>{
      device_buffer_owner<T>{std::move(got->memory), elements, got->device}};
  }
  return true;
}

} // namespace ringactor
