#include "ringactor/wire/binary_reader.hpp"

#include <utility>

#include <fmt/format.h>

namespace ringactor::wire {

bool binary_reader::fail_at(std::size_t offset, wire_errc code, std::string_view what) {
  if (!err_) // the first error is the one that explains the rest
    err_ = make_error(code, type_, path(), fmt::format("at byte {}", offset), what);
  return false;
}

bool binary_reader::varint(std::size_t& x) {
  auto at = pos_;
  std::uint64_t v = 0;
  switch (read_varint(data_, size_, pos_, v)) {
    case varint_status::ok: x = static_cast<std::size_t>(v); return true;
    case varint_status::truncated:
      return fail_at(at, wire_errc::truncated, "the input ends inside a varint");
    case varint_status::overflow:
      return fail_at(at, wire_errc::integer_overflow, "a varint has more than 64 bits");
    case varint_status::non_minimal:
      return fail_at(at, wire_errc::invalid_value, "a varint is not in its shortest form");
  }
  return false;
}

bool binary_reader::length(std::size_t& n, std::size_t min_unit) {
  auto at = pos_;
  if (!varint(n))
    return false;
  // The checks report the offset of the length's first byte.
  auto next = std::exchange(pos_, at);
  if (!check_length(n))
    return false;
  if (auto left = size_ - next; min_unit > 0 && n > left / min_unit)
    return fail(wire_errc::truncated,
                fmt::format("a length of {} is past the {} bytes left", n, left));
  pos_ = next;
  return true;
}

bool binary_reader::string(std::string& x) {
  std::size_t n = 0;
  if (!length(n, 1))
    return false;
  auto at = pos_;
  std::string_view str{reinterpret_cast<const char*>(data_ + pos_), n};
  if (auto bad = utf8_invalid_at(str); bad != n)
    return fail_at(at + bad, wire_errc::invalid_utf8, "string is not valid UTF-8");
  x.assign(str);
  pos_ += n;
  return true;
}

bool binary_reader::error_value(ringactor::error& x) {
  auto at = pos_;
  std::string category;
  if (!string(category))
    return false;
  if (category.empty()) {
    x = ringactor::error{};
    return true;
  }
  auto* cat = find_error_category(category);
  if (cat == nullptr)
    return fail_at(at, wire_errc::invalid_value,
                   fmt::format("no error category is registered as '{}'", category));
  std::int32_t code = 0;
  auto code_at = pos_;
  if (!raw(&code, sizeof(code)))
    return false;
  if (code == 0)
    return fail_at(code_at, wire_errc::invalid_value, "an error with a category has code 0");
  std::string context;
  if (!string(context))
    return false;
  x = ringactor::error{std::error_code{code, *cat}, std::move(context)};
  return true;
}

bool binary_reader::fast(void* dst, std::size_t n, const fast_layout& layout) {
  if (n > remaining() || !fast_bytes_valid(data_ + pos_, layout, limits_))
    return false;
  std::memcpy(dst, data_ + pos_, n);
  pos_ += n;
  return true;
}

} // namespace ringactor::wire
