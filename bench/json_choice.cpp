// Issue 19: which Debian-packaged JSON library the wire JSON format uses.
// Boost.JSON 1.81 against nlohmann-json 3.11 on the same documents: a record
// with a string, a vector of 16 ints and a nested map-heavy struct (~1 KB),
// and an array of such records (~100 KB). Both ways, through each library's
// DOM, which is what the JSON inspector walks: decode = parse text to a DOM
// and read the record out of it; encode = build the DOM from the record and
// serialize it. Prints one JSON line per (library, document, direction).
//
//   json_choice [--seconds S]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <nlohmann/json.hpp>

#if RINGACTOR_HAS_JSON
#  include <ringactor/json_format.hpp>
#endif

namespace {

struct inner {
  std::map<std::string, std::int64_t> counters;
  std::map<std::string, std::string> labels;
};

struct record {
  std::string name;
  std::vector<std::int32_t> values; // 16 entries
  std::map<std::string, inner> groups;
};

template <class Inspector>
bool inspect(Inspector& f, inner& x) {
  return f.object(x).fields(f.field("counters", x.counters), f.field("labels", x.labels));
}

template <class Inspector>
bool inspect(Inspector& f, record& x) {
  return f.object(x).fields(f.field("name", x.name), f.field("values", x.values),
                            f.field("groups", x.groups));
}

record make_record(int seed) {
  record r;
  r.name = "record-" + std::to_string(seed) + "-with-a-somewhat-longer-name";
  for (int i = 0; i < 16; ++i)
    r.values.push_back(seed * 1000 + i * 37 - 500);
  for (int g = 0; g < 4; ++g) {
    inner in;
    for (int k = 0; k < 6; ++k)
      in.counters["counter_" + std::to_string(k)] = (std::int64_t{seed} << 33) + k;
    for (int k = 0; k < 2; ++k)
      in.labels["label_" + std::to_string(k)] = "value " + std::to_string(seed + k);
    r.groups["group_" + std::to_string(g)] = std::move(in);
  }
  return r;
}

// -- Boost.JSON -----------------------------------------------------------------

boost::json::value to_boost(const record& r) {
  boost::json::object o;
  o["name"] = r.name;
  boost::json::array vs;
  for (auto v : r.values)
    vs.push_back(v);
  o["values"] = std::move(vs);
  boost::json::object gs;
  for (auto& [k, in] : r.groups) {
    boost::json::object io, cs, ls;
    for (auto& [ck, cv] : in.counters)
      cs[ck] = cv;
    for (auto& [lk, lv] : in.labels)
      ls[lk] = lv;
    io["counters"] = std::move(cs);
    io["labels"] = std::move(ls);
    gs[k] = std::move(io);
  }
  o["groups"] = std::move(gs);
  return o;
}

record from_boost(const boost::json::value& v) {
  record r;
  auto& o = v.as_object();
  r.name = o.at("name").as_string();
  for (auto& x : o.at("values").as_array())
    r.values.push_back(static_cast<std::int32_t>(x.as_int64()));
  for (auto& [k, g] : o.at("groups").as_object()) {
    inner in;
    for (auto& [ck, cv] : g.at("counters").as_object())
      in.counters[std::string{ck}] = cv.as_int64();
    for (auto& [lk, lv] : g.at("labels").as_object())
      in.labels[std::string{lk}] = lv.as_string();
    r.groups[std::string{k}] = std::move(in);
  }
  return r;
}

// -- nlohmann-json --------------------------------------------------------------

nlohmann::json to_nlohmann(const record& r) {
  nlohmann::json o;
  o["name"] = r.name;
  auto& vs = o["values"] = nlohmann::json::array();
  for (auto v : r.values)
    vs.push_back(v);
  auto& gs = o["groups"] = nlohmann::json::object();
  for (auto& [k, in] : r.groups) {
    auto& io = gs[k];
    for (auto& [ck, cv] : in.counters)
      io["counters"][ck] = cv;
    for (auto& [lk, lv] : in.labels)
      io["labels"][lk] = lv;
  }
  return o;
}

record from_nlohmann(const nlohmann::json& o) {
  record r;
  r.name = o.at("name").get_ref<const std::string&>();
  for (auto& x : o.at("values"))
    r.values.push_back(static_cast<std::int32_t>(x.get<std::int64_t>()));
  for (auto& [k, g] : o.at("groups").items()) {
    inner in;
    for (auto& [ck, cv] : g.at("counters").items())
      in.counters[ck] = cv.get<std::int64_t>();
    for (auto& [lk, lv] : g.at("labels").items())
      in.labels[lk] = lv.get_ref<const std::string&>();
    r.groups[k] = std::move(in);
  }
  return r;
}

// -- measurement ----------------------------------------------------------------

double g_seconds = 1.0;
std::size_t g_sink = 0;

template <class F>
double mb_per_s(std::size_t bytes_per_iter, F&& f) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < 3; ++i)
    f(); // warm up
  std::size_t iters = 0;
  auto start = clock::now();
  auto deadline = start + std::chrono::duration<double>(g_seconds);
  auto now = start;
  do {
    for (int i = 0; i < 8; ++i)
      f();
    iters += 8;
    now = clock::now();
  } while (now < deadline);
  double secs = std::chrono::duration<double>(now - start).count();
  return static_cast<double>(bytes_per_iter) * static_cast<double>(iters) / secs / 1e6;
}

void report(const char* lib, const char* doc, const char* dir, std::size_t bytes, double mbs) {
  std::printf("{\"bench\":\"json_choice\",\"impl\":\"%s\",\"doc\":\"%s\",\"bytes\":%zu,"
              "\"metric\":\"%s_mb_per_s\",\"value\":%.1f,\"unit\":\"MB/s\"}\n",
              lib, doc, bytes, dir, mbs);
}

void run(const char* doc, const std::vector<record>& records, bool as_array) {
  // Boost.JSON
  {
    auto encode = [&] {
      if (!as_array)
        return boost::json::serialize(to_boost(records.front()));
      boost::json::array a;
      for (auto& r : records)
        a.push_back(to_boost(r));
      return boost::json::serialize(a);
    };
    std::string text = encode();
    report("boost_json", doc, "encode", text.size(),
           mb_per_s(text.size(), [&] { g_sink += encode().size(); }));
    report("boost_json", doc, "decode", text.size(), mb_per_s(text.size(), [&] {
             auto v = boost::json::parse(text);
             if (!as_array) {
               g_sink += from_boost(v).values.size();
             } else {
               for (auto& x : v.as_array())
                 g_sink += from_boost(x).values.size();
             }
           }));
  }
  // nlohmann-json
  {
    auto encode = [&] {
      if (!as_array)
        return to_nlohmann(records.front()).dump();
      auto a = nlohmann::json::array();
      for (auto& r : records)
        a.push_back(to_nlohmann(r));
      return a.dump();
    };
    std::string text = encode();
    report("nlohmann_json", doc, "encode", text.size(),
           mb_per_s(text.size(), [&] { g_sink += encode().size(); }));
    report("nlohmann_json", doc, "decode", text.size(), mb_per_s(text.size(), [&] {
             auto v = nlohmann::json::parse(text);
             if (!as_array) {
               g_sink += from_nlohmann(v).values.size();
             } else {
               for (auto& x : v)
                 g_sink += from_nlohmann(x).values.size();
             }
           }));
  }
}

#if RINGACTOR_HAS_JSON
// The JSON format itself (json_format.hpp): inspect() over the same record,
// written without a DOM, read through Boost.JSON's DOM. The large document
// is one value, a std::vector of the records.
template <class T>
void run_ringactor(const char* doc, const T& value) {
  auto text = ringactor::to_json(value).value();
  report("ringactor_json", doc, "encode", text.size(),
         mb_per_s(text.size(), [&] { g_sink += ringactor::to_json(value).value().size(); }));
  report("ringactor_json", doc, "decode", text.size(), mb_per_s(text.size(), [&] {
           T back;
           if (ringactor::from_json(text, back).has_value())
             g_sink += 1;
         }));
}
#endif

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view{argv[i]} == "--seconds")
      g_seconds = std::atof(argv[i + 1]);
  std::vector<record> one{make_record(1)};
  std::vector<record> many;
  for (int i = 0; i < 100; ++i)
    many.push_back(make_record(i));
  run("record_1k", one, false);
  run("records_100k", many, true);
#if RINGACTOR_HAS_JSON
  run_ringactor("record_1k", one.front());
  run_ringactor("records_100k", many);
#endif
  return g_sink == 0 ? 1 : 0;
}
