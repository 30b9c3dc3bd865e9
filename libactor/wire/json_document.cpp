// The JSON document behind json_node: Boost.JSON's parser and DOM. Parse
// errors are located twice: by byte offset (what the parser reports) and by
// JSON pointer, which locate_error() recovers by scanning the text the
// parser accepted before the error (it is a valid JSON prefix).
#include "ringactor/json/json_node.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <fmt/format.h>

#include "json_value_builder.hpp"
#include "ringactor/wire/encoding.hpp"

namespace ringactor::wire {

namespace {

namespace bj = boost::json;

const bj::value& val(const void* p) noexcept {
  return *static_cast<const bj::value*>(p);
}

/// Where a parse error happened, as a JSON pointer and a field path.
struct error_location {
  std::string pointer;
  std::string path;
};

/// "shop.order" -> "order": the root of a field path, as inspect.hpp has it.
std::string_view short_name(std::string_view name) noexcept {
  auto pos = name.find_last_of(".:");
  return pos == std::string_view::npos ? name : name.substr(pos + 1);
}

/// Scans text[0, end) (a valid JSON prefix) and says which value it ends in.
error_location locate_error(std::string_view text, std::size_t end, std::string_view type) {
  struct frame {
    bool object = false;
    bool has_key = false; // a key and its ':' were read: the pointer names it
    std::string key;
    std::size_t index = 0;
  };
  std::vector<frame> stack;
  end = std::min(end, text.size());
  std::size_t i = 0;
  while (i < end) {
    char c = text[i];
    if (c == '{' || c == '[') {
      stack.emplace_back().object = c == '{';
      ++i;
    } else if ((c == '}' || c == ']') && !stack.empty()) {
      stack.pop_back();
      ++i;
    } else if (c == ',' && !stack.empty()) {
      auto& top = stack.back();
      if (top.object)
        top.has_key = false;
      else
        ++top.index;
      ++i;
    } else if (c == ':' && !stack.empty()) {
      stack.back().has_key = true;
      ++i;
    } else if (c == '"') {
      // A string: a key when the innermost object waits for one.
      std::string raw;
      ++i;
      while (i < end && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < end) {
          char e = text[i + 1];
          raw += e == '"' || e == '\\' || e == '/' ? e : '?';
          i += 2;
        } else {
          raw += text[i++];
        }
      }
      ++i; // the closing quote
      if (!stack.empty() && stack.back().object && !stack.back().has_key)
        stack.back().key = std::move(raw);
    } else {
      ++i; // whitespace, numbers, literals
    }
  }
  error_location out;
  out.path = std::string{short_name(type)};
  for (auto& f : stack) {
    if (f.object) {
      if (!f.has_key)
        break; // inside the object, between members: the pointer is the object's
      append_pointer_token(out.pointer, f.key);
      if (!out.path.empty())
        out.path += '.';
      out.path += f.key;
    } else {
      out.pointer += fmt::format("/{}", f.index);
      out.path += fmt::format("[{}]", f.index);
    }
  }
  return out;
}

error parse_error(wire_errc code, std::string_view text, std::size_t at, std::string_view type,
                  std::string_view what) {
  auto loc = locate_error(text, at, type);
  auto where = fmt::format("at {} (byte {})", loc.pointer.empty() ? "/" : loc.pointer, at);
  return make_error(code, type, loc.path, where, what);
}

} // namespace

std::string_view json_type_name(json_type t) noexcept {
  switch (t) {
    case json_type::null: return "null";
    case json_type::boolean: return "a bool";
    case json_type::int64:
    case json_type::uint64: return "an integer";
    case json_type::floating: return "a number with a fraction or exponent";
    case json_type::string: return "a string";
    case json_type::array: return "an array";
    case json_type::object: return "an object";
  }
  return "?";
}

// -- json_node ------------------------------------------------------------------

json_type json_node::type() const noexcept {
  switch (val(impl_).kind()) {
    case bj::kind::null: return json_type::null;
    case bj::kind::bool_: return json_type::boolean;
    case bj::kind::int64: return json_type::int64;
    case bj::kind::uint64: return json_type::uint64;
    case bj::kind::double_: return json_type::floating;
    case bj::kind::string: return json_type::string;
    case bj::kind::array: return json_type::array;
    case bj::kind::object: return json_type::object;
  }
  return json_type::null;
}

bool json_node::as_bool() const noexcept {
  return val(impl_).get_bool();
}

std::int64_t json_node::as_int64() const noexcept {
  return val(impl_).get_int64();
}

std::uint64_t json_node::as_uint64() const noexcept {
  return val(impl_).get_uint64();
}

double json_node::as_double() const noexcept {
  auto& v = val(impl_);
  if (v.is_int64())
    return static_cast<double>(v.get_int64());
  if (v.is_uint64())
    return static_cast<double>(v.get_uint64());
  return v.get_double();
}

std::string_view json_node::as_string() const noexcept {
  auto& s = val(impl_).get_string();
  return {s.data(), s.size()};
}

std::size_t json_node::size() const noexcept {
  auto& v = val(impl_);
  if (v.is_array())
    return v.get_array().size();
  if (v.is_object())
    return v.get_object().size();
  return 0;
}

json_node json_node::at(std::size_t i) const noexcept {
  return json_node{&val(impl_).get_array()[i]};
}

std::string_view json_node::key_at(std::size_t i) const noexcept {
  auto key = val(impl_).get_object().begin()[i].key();
  return {key.data(), key.size()};
}

json_node json_node::value_at(std::size_t i) const noexcept {
  return json_node{&val(impl_).get_object().begin()[i].value()};
}

json_node json_node::find(std::string_view key) const noexcept {
  return json_node{val(impl_).get_object().if_contains(key)};
}

// -- json_document ----------------------------------------------------------------

struct json_document::impl {
  bj::value root;
};

json_document::json_document(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
json_document::json_document(json_document&&) noexcept = default;
json_document& json_document::operator=(json_document&&) noexcept = default;
json_document::~json_document() = default;

json_node json_document::root() const noexcept {
  return json_node{&impl_->root};
}

expected<json_document> parse_json(std::string_view text, const wire_limits& limits,
                                   std::string_view type) {
  if (text.size() > limits.max_message_size)
    return make_error(wire_errc::limit_exceeded, type, {}, {},
                      fmt::format("the JSON text has {} bytes, past max_message_size ({})",
                                  text.size(), limits.max_message_size));
  bj::parse_options opts;
  opts.max_depth = limits.max_depth;
  opts.allow_invalid_utf8 = false;
  // Every value of one document comes from one arena, freed with the
  // document; the parser's own stack lives on the heap.
  bj::basic_parser<json_value_builder> p(opts, bj::storage_ptr{});
  p.handler().st.reset(bj::make_shared_resource<bj::monotonic_resource>());
  boost::system::error_code ec;
  auto n = p.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    if (ec == bj::error::too_deep)
      return parse_error(wire_errc::depth_exceeded, text, n, type,
                         fmt::format("objects and arrays nest deeper than max_depth ({})",
                                     limits.max_depth));
    if (ec == bj::error::incomplete)
      return parse_error(wire_errc::truncated, text, n, type, "the JSON text ends inside a value");
    // Boost.JSON reports invalid UTF-8 as a syntax error at the bad byte.
    auto bad = utf8_invalid_at(text);
    if (bad < text.size() && bad <= n + 4)
      return parse_error(wire_errc::invalid_utf8, text, bad, type, "string is not valid UTF-8");
    return parse_error(wire_errc::invalid_value, text, n, type,
                       fmt::format("not valid JSON: {}", ec.message()));
  }
  if (n < text.size())
    return parse_error(wire_errc::trailing_bytes, text, n, type, "text follows the JSON value");
  auto d = std::make_unique<json_document::impl>();
  d->root = p.handler().st.release();
  return json_document{std::move(d)};
}

void append_pointer_token(std::string& pointer, std::string_view key) {
  pointer += '/';
  for (char c : key) {
    if (c == '~')
      pointer += "~0";
    else if (c == '/')
      pointer += "~1";
    else
      pointer += c;
  }
}

} // namespace ringactor::wire
