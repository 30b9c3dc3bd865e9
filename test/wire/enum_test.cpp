// Enums described by RINGACTOR_ENUM: the digest covers their enumerators,
// JSON names them, and a value that is no enumerator is an error with the
// field path in every format.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>

#include <ringactor/binary_format.hpp>
#include <ringactor/schema.hpp>
#include <ringactor/wire/enum_description.hpp>
#if RINGACTOR_HAS_JSON
#  include <ringactor/json_format.hpp>
#endif

using namespace ringactor;

// Four versions of one enum ("wire_test.shade") inside one struct
// ("wire_test.paint"), as four programs might define them.
namespace enum_v1 {
enum class shade : std::uint8_t { light, medium, dark };
RINGACTOR_ENUM(shade, "wire_test.shade", light, medium, dark)
struct paint {
  std::uint32_t id = 0;
  shade tone = shade::light;
  friend bool operator==(const paint&, const paint&) = default;
};
template <class Inspector>
bool inspect(Inspector& f, paint& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("tone", x.tone));
}
RINGACTOR_TYPE_NAME(paint, "wire_test.paint")
} // namespace enum_v1

namespace enum_added { // one enumerator more
enum class shade : std::uint8_t { light, medium, dark, black };
RINGACTOR_ENUM(shade, "wire_test.shade", light, medium, dark, black)
struct paint {
  std::uint32_t id = 0;
  shade tone = shade::light;
};
template <class Inspector>
bool inspect(Inspector& f, paint& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("tone", x.tone));
}
RINGACTOR_TYPE_NAME(paint, "wire_test.paint")
} // namespace enum_added

namespace enum_renamed { // medium is called mid
enum class shade : std::uint8_t { light, mid, dark };
RINGACTOR_ENUM(shade, "wire_test.shade", light, mid, dark)
struct paint {
  std::uint32_t id = 0;
  shade tone = shade::light;
};
template <class Inspector>
bool inspect(Inspector& f, paint& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("tone", x.tone));
}
RINGACTOR_TYPE_NAME(paint, "wire_test.paint")
} // namespace enum_renamed

namespace enum_renumbered { // dark is 7
enum class shade : std::uint8_t { light, medium, dark = 7 };
RINGACTOR_ENUM(shade, "wire_test.shade", light, medium, dark)
struct paint {
  std::uint32_t id = 0;
  shade tone = shade::light;
};
template <class Inspector>
bool inspect(Inspector& f, paint& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("tone", x.tone));
}
RINGACTOR_TYPE_NAME(paint, "wire_test.paint")
} // namespace enum_renumbered

namespace enum_undescribed { // the same enum, without RINGACTOR_ENUM
enum class shade : std::uint8_t { light, medium, dark };
struct paint {
  std::uint32_t id = 0;
  shade tone = shade::light;
};
template <class Inspector>
bool inspect(Inspector& f, paint& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("tone", x.tone));
}
RINGACTOR_TYPE_NAME(paint, "wire_test.paint")
} // namespace enum_undescribed

namespace enum_slow { // a described enum in a type the memcpy path does not take
using enum_v1::shade;
struct palette {
  std::string name;
  std::vector<shade> tones;
  friend bool operator==(const palette&, const palette&) = default;
};
template <class Inspector>
bool inspect(Inspector& f, palette& x) {
  return f.object(x).fields(f.field("name", x.name), f.field("tones", x.tones));
}
RINGACTOR_TYPE_NAME(palette, "wire_test.palette")
} // namespace enum_slow

namespace {

template <class T>
wire::type_schema schema() {
  return wire::schema_of<T>();
}

std::string context_of(const wire::type_schema& a, const wire::type_schema& b) {
  auto r = wire::check_schema(a, b);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::digest_mismatch);
  return std::string{r.error().context()};
}

} // namespace

TEST_SUITE_BEGIN("wire");

TEST_CASE("RINGACTOR_ENUM names each enumerator with its value") {
  using enum_v1::shade;
  CHECK(wire::enumerator_name(shade::dark) == "dark");
  CHECK(wire::enumerator_named<shade>("medium") == shade::medium);
  CHECK_FALSE(wire::enumerator_named<shade>("black").has_value());
  CHECK(wire::enumerator_name(static_cast<shade>(9)).empty());
  CHECK(wire::wire_name_of<shade>() == "wire_test.shade");
  CHECK(wire::enumerator_name(enum_renumbered::shade::dark) == "dark");
  CHECK(static_cast<int>(*wire::enumerator_named<enum_renumbered::shade>("dark")) == 7);
}

TEST_CASE("a schema lists a described enum's enumerators as a nested type") {
  auto s = schema<enum_v1::paint>();
  REQUIRE(s.fields.size() == 2);
  CHECK(s.fields[1] == wire::field_schema{"tone", "enum<wire_test.shade:u8>"});
  REQUIRE(s.nested.size() == 1);
  CHECK(s.nested[0].name == "wire_test.shade");
  CHECK(s.nested[0].fields.empty());
  CHECK(s.nested[0].enumerators
        == std::vector<wire::enumerator_schema>{{"light", "0"}, {"medium", "1"}, {"dark", "2"}});
  // An enum without a description keeps its old spelling and lists nothing.
  auto u = schema<enum_undescribed::paint>();
  CHECK(u.fields[1] == wire::field_schema{"tone", "enum<u8>"});
  CHECK(u.nested.empty());
}

TEST_CASE("the digest changes when an enumerator is added, removed, renamed or renumbered") {
  auto v1 = wire::digest_of(schema<enum_v1::paint>());
  CHECK(v1 == wire::digest_of(schema<enum_v1::paint>()));
  CHECK(v1 != wire::digest_of(schema<enum_added::paint>()));
  CHECK(v1 != wire::digest_of(schema<enum_renamed::paint>()));
  CHECK(v1 != wire::digest_of(schema<enum_renumbered::paint>()));
  CHECK(v1 != wire::digest_of(schema<enum_undescribed::paint>()));
  CHECK_FALSE(wire::compare_schemas(schema<enum_v1::paint>(), schema<enum_v1::paint>()));
}

TEST_CASE("check_schema names the first enumerator that differs") {
  auto v1 = schema<enum_v1::paint>();
  CHECK(context_of(v1, schema<enum_added::paint>())
        == "wire_test.paint: in nested type wire_test.shade: enumerator 'black': missing here");
  CHECK(context_of(schema<enum_added::paint>(), v1)
        == "wire_test.paint: in nested type wire_test.shade: enumerator 'black': missing there");
  CHECK(context_of(v1, schema<enum_renamed::paint>())
        == "wire_test.paint: in nested type wire_test.shade: enumerator 'medium': enumerator 1 "
           "is 'medium' here, 'mid' there");
  CHECK(context_of(v1, schema<enum_renumbered::paint>())
        == "wire_test.paint: in nested type wire_test.shade: enumerator 'dark': = 2 here, = 7 "
           "there");
  CHECK(context_of(v1, schema<enum_undescribed::paint>())
        == "wire_test.paint: field 'tone': enum<wire_test.shade:u8> here, enum<u8> there");
}

TEST_CASE("a schema with enumerators crosses the binary format") {
  auto mine = schema<enum_slow::palette>();
  auto bytes = to_bytes(mine);
  REQUIRE(bytes.has_value());
  wire::type_schema theirs;
  REQUIRE(from_bytes(*bytes, theirs).has_value());
  CHECK(theirs == mine);
  CHECK(wire::digest_of(theirs) == wire::digest_of(mine));
}

TEST_CASE("the binary format refuses a value that is no enumerator, naming the field") {
  using enum_v1::shade;
  // The memcpy path (paint is 4 + 1 bytes plus padding: not eligible, see
  // below) and the field-by-field path both check.
  enum_v1::paint p{3, static_cast<shade>(5)};
  auto w = to_bytes(p);
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error() == wire_errc::invalid_value);
  CHECK(w.error().context()
        == "wire_test.paint: paint.tone: 5 is no enumerator of wire_test.shade");
  p.tone = shade::dark;
  auto bytes = to_bytes(p);
  REQUIRE(bytes.has_value());
  REQUIRE(bytes->size() == 5);
  (*bytes)[4] = std::byte{3};
  enum_v1::paint back;
  auto r = from_bytes(*bytes, back);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::invalid_value);
  CHECK(r.error().context()
        == "wire_test.paint: paint.tone: at byte 4: 3 is no enumerator of wire_test.shade");
  (*bytes)[4] = std::byte{1};
  REQUIRE(from_bytes(*bytes, back).has_value());
  CHECK(back == enum_v1::paint{3, shade::medium});
  // In a container.
  enum_slow::palette pal{"x", {shade::light, static_cast<shade>(200)}};
  auto e = to_bytes(pal);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().context()
        == "wire_test.palette: palette.tones[1]: 200 is no enumerator of wire_test.shade");
}

namespace enum_fast {
using enum_v1::shade;
/// Trivially copyable, no padding: the memcpy path, with an enum to check.
struct swatch {
  std::uint8_t id = 0;
  shade tone = shade::light;
  friend bool operator==(const swatch&, const swatch&) = default;
};
template <class Inspector>
bool inspect(Inspector& f, swatch& x) {
  return f.object(x).fields(f.field("id", x.id), f.field("tone", x.tone));
}
RINGACTOR_TYPE_NAME(swatch, "wire_test.swatch")
} // namespace enum_fast

TEST_CASE("the memcpy path checks described enums when writing and reading") {
  using enum_fast::swatch;
  using enum_v1::shade;
  REQUIRE(wire::fast_layout_of<swatch>().eligible);
  CHECK(wire::fast_layout_of<swatch>().enums.size() == 1);
  auto bytes = to_bytes(swatch{9, shade::dark});
  REQUIRE(bytes.has_value());
  CHECK(*bytes == std::vector<std::byte>{std::byte{9}, std::byte{2}});
  auto w = to_bytes(swatch{9, static_cast<shade>(3)});
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error().context()
        == "wire_test.swatch: swatch.tone: 3 is no enumerator of wire_test.shade");
  (*bytes)[1] = std::byte{4};
  swatch back;
  auto r = from_bytes(*bytes, back);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().context()
        == "wire_test.swatch: swatch.tone: at byte 1: 4 is no enumerator of wire_test.shade");
  // Nested in a vector: the binary_reader's memcpy path checks too.
  std::vector<swatch> many{{1, shade::light}, {2, shade::medium}};
  auto m = to_bytes(many);
  REQUIRE(m.has_value());
  (*m)[4] = std::byte{77}; // the length (1 byte), then 2 bytes per swatch
  std::vector<swatch> many_back;
  auto rm = from_bytes(*m, many_back);
  REQUIRE_FALSE(rm.has_value());
  CHECK(rm.error().context().find("[1].tone: at byte 4: 77 is no enumerator") != std::string::npos);
}

#if RINGACTOR_HAS_JSON

TEST_CASE("JSON writes and reads a described enum by its enumerator's name") {
  using enum_v1::shade;
  enum_slow::palette pal{"sea", {shade::dark, shade::light}};
  auto text = to_json(pal);
  REQUIRE(text.has_value());
  CHECK(*text == R"({"name":"sea","tones":["dark","light"]})");
  enum_slow::palette back;
  REQUIRE(from_json(*text, back).has_value());
  CHECK(back == pal);
  enum_v1::paint p{1, shade::medium};
  auto t2 = to_json(p);
  REQUIRE(t2.has_value());
  CHECK(*t2 == R"({"id":1,"tone":"medium"})");
  // An enum without a description stays an integer.
  auto t3 = to_json(enum_undescribed::paint{1, enum_undescribed::shade::dark});
  REQUIRE(t3.has_value());
  CHECK(*t3 == R"({"id":1,"tone":2})");
}

TEST_CASE("JSON refuses an unknown enumerator name or a value that is no enumerator") {
  enum_slow::palette back;
  auto r = from_json(R"({"name":"sea","tones":["dark","black"]})", back);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == wire_errc::invalid_value);
  CHECK(r.error().context()
        == "wire_test.palette: palette.tones[1]: at /tones/1: \"black\" is no enumerator of "
           "wire_test.shade");
  auto n = from_json(R"({"name":"sea","tones":[2]})", back);
  REQUIRE_FALSE(n.has_value());
  CHECK(n.error() == wire_errc::type_mismatch);
  CHECK(n.error().context()
        == "wire_test.palette: palette.tones[0]: at /tones/0: expected an enumerator's name (a "
           "string), got an integer");
  auto w = to_json(enum_v1::paint{1, static_cast<enum_v1::shade>(6)});
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error() == wire_errc::invalid_value);
  CHECK(w.error().context()
        == "wire_test.paint: paint.tone: at /tone: 6 is no enumerator of wire_test.shade");
}

#endif // RINGACTOR_HAS_JSON

TEST_SUITE_END();
