// The handler behind parse_json's Boost.JSON parser: it builds the DOM as
// boost::json::parser does, but reads every floating-point number again with
// std::from_chars. Boost.JSON 1.81's own conversion is not correctly rounded
// (2.7182818284529045 reads as 2.7182818284529042, one unit in the last
// place off), so a double that to_json wrote in shortest form would not read
// back to the same bits; from_chars is exact. Where from_chars refuses the
// text (out of range: 1e400, 1e-400) Boost.JSON's value stays.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value_stack.hpp>

namespace ringactor::wire {

struct json_value_builder {
  using error_code = boost::json::error_code;
  using string_view = boost::json::string_view;

  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  boost::json::value_stack st;
  /// The leading parts of a number split across parser buffers.
  std::string number;

  explicit json_value_builder(boost::json::storage_ptr temporary) : st(std::move(temporary)) {}

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(string_view s, error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, string_view, error_code&) {
    number.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view, error_code&) {
    number.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, string_view s, error_code&) {
    const char* first = s.data();
    const char* last = first + s.size();
    if (!number.empty()) {
      number.append(s.data(), s.size());
      first = number.data();
      last = first + number.size();
    }
    double exact = 0;
    if (auto r = std::from_chars(first, last, exact); r.ec == std::errc{} && r.ptr == last)
      d = exact;
    number.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

} // namespace ringactor::wire
