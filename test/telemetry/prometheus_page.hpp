// A reader of the Prometheus text format 0.0.4, enough to compare two pages
// of the same metrics written by different serializers (ringactor's
// prometheus_text and prometheus-cpp's TextSerializer): families with their
// help text and type, samples keyed by name and sorted label set, values as
// numbers (so 0.3 and 0.29999999999999999 are one value, "NaN" and "Nan"
// too). Bucket bounds (`le`) are keyed by their number, not their text.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace prometheus_page {

struct family {
  std::string help; // as written (escaped)
  std::string type;
  /// `name{a="x",b="y"}` (labels sorted by name, values as written) -> value.
  std::map<std::string, double> samples;

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (auto& kv : samples)
      out.push_back(kv.first);
    return out;
  }
};

struct page {
  std::map<std::string, family> families;
  /// Lines that could not be read, one description each.
  std::vector<std::string> errors;

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& kv : families)
      out.push_back(kv.first);
    return out;
  }
};

/// NaN equals NaN here: both pages wrote the same missing value.
inline bool same_value(double x, double y) {
  return (std::isnan(x) && std::isnan(y)) || x == y;
}

/// Reads "NaN", "Nan", "+Inf", "-Inf" and decimal numbers into `out`;
/// false when `text` is not a number.
inline bool read_number(std::string_view text, double& out) {
  std::string s{text};
  if (s.empty())
    return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

namespace detail {

/// Reads `{name="value",...}` from `line` at `pos` (just past the metric
/// name); leaves `pos` after the closing brace. Values stay escaped.
inline bool read_labels(std::string_view line, size_t& pos,
                        std::vector<std::pair<std::string, std::string>>& out) {
  if (pos >= line.size() || line[pos] != '{')
    return true; // no labels
  ++pos;
  while (pos < line.size() && line[pos] != '}') {
    auto eq = line.find('=', pos);
    if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"')
      return false;
    std::string name{line.substr(pos, eq - pos)};
    std::string value;
    size_t i = eq + 2;
    for (; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size())
        value += line[i++];
      value += line[i];
    }
    if (i >= line.size())
      return false;
    out.emplace_back(std::move(name), std::move(value));
    pos = i + 1;
    if (pos < line.size() && line[pos] == ',')
      ++pos;
  }
  if (pos >= line.size())
    return false;
  ++pos;
  return true;
}

} // namespace detail

/// Parses `text`; every sample must follow the `# TYPE` line of its family
/// (and be `_bucket`, `_sum` or `_count` of a histogram, or a summary's
/// quantile, `_sum` or `_count`).
inline page parse(std::string_view text) {
  page out;
  family* current = nullptr;
  std::string current_name;
  size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    auto fail = [&](std::string_view why) {
      out.errors.push_back(fmt::format("line {}: {}: {}", line_no, why, line));
    };
    if (line.empty())
      continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      auto rest = line.substr(7);
      auto sp = rest.find(' ');
      if (sp == std::string_view::npos) {
        fail("no text after the name");
        continue;
      }
      current_name = std::string{rest.substr(0, sp)};
      current = &out.families[current_name];
      if (line[2] == 'H')
        current->help = std::string{rest.substr(sp + 1)};
      else
        current->type = std::string{rest.substr(sp + 1)};
      continue;
    }
    if (line.starts_with("#"))
      continue;
    size_t pos = line.find_first_of("{ ");
    if (pos == std::string_view::npos) {
      fail("no value");
      continue;
    }
    std::string name{line.substr(0, pos)};
    std::vector<std::pair<std::string, std::string>> labels;
    if (!detail::read_labels(line, pos, labels)) {
      fail("bad labels");
      continue;
    }
    if (pos >= line.size() || line[pos] != ' ') {
      fail("no space before the value");
      continue;
    }
    double value = 0;
    if (!read_number(line.substr(pos + 1), value)) {
      fail("the value is no number");
      continue;
    }
    if (current == nullptr) {
      fail("a sample before any # TYPE");
      continue;
    }
    bool belongs = name == current_name;
    if (current->type == "histogram")
      belongs = name == current_name + "_bucket" || name == current_name + "_sum"
                || name == current_name + "_count";
    else if (current->type == "summary") // {quantile="..."} samples, _sum, _count
      belongs = belongs || name == current_name + "_sum" || name == current_name + "_count";
    if (!belongs) {
      fail("a sample of another family than the last # TYPE");
      continue;
    }
    for (auto& [label, text_value] : labels)
      if (label == "le") {
        double bound = 0;
        if (!read_number(text_value, bound)) {
          fail("le is no number");
          continue;
        }
        text_value = std::isinf(bound) ? "+Inf" : fmt::format("{}", bound);
      }
    std::sort(labels.begin(), labels.end());
    std::string key = name;
    if (!labels.empty()) {
      key += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i > 0)
          key += ',';
        key += fmt::format("{}=\"{}\"", labels[i].first, labels[i].second);
      }
      key += '}';
    }
    if (!current->samples.emplace(key, value).second)
      fail("a sample twice");
  }
  return out;
}

} // namespace prometheus_page
