#include "ringactor/telemetry/prometheus_text.hpp"

#include <cmath>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace ringactor::telemetry {

namespace {

void append_escaped(std::string& out, std::string_view x, bool quotes) {
  for (char c : x) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '"':
        if (quotes)
          out += "\\\"";
        else
          out += c;
        break;
      default: out += c;
    }
  }
}

void append_double(std::string& out, double x) {
  if (std::isnan(x))
    out += "NaN";
  else if (std::isinf(x))
    out += x > 0 ? "+Inf" : "-Inf";
  else
    fmt::format_to(std::back_inserter(out), "{}", x);
}

/// `{a="x",b="y"}`, plus `le` for a bucket; nothing when there are no labels.
void append_labels(std::string& out, const metrics::family_snapshot& f, const metrics::sample& s,
                   const std::string* le = nullptr) {
  if (f.label_names.empty() && le == nullptr)
    return;
  out += '{';
  bool first = true;
  for (size_t i = 0; i < f.label_names.size() && i < s.label_values.size(); ++i) {
    if (!first)
      out += ',';
    first = false;
    out += f.label_names[i];
    out += "=\"";
    append_escaped(out, s.label_values[i], true);
    out += '"';
  }
  if (le != nullptr) {
    if (!first)
      out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const metrics::family_snapshot& f, const metrics::sample& s, double value,
                   const std::string* le = nullptr) {
  out += name;
  out += suffix;
  append_labels(out, f, s, le);
  out += ' ';
  append_double(out, value);
  out += '\n';
}

} // namespace

void append_prometheus_text(std::string& out, const metrics::snapshot& snap) {
  for (auto& f : snap.families) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    append_escaped(out, f.help, false);
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += metrics::to_string(f.type);
    out += '\n';
    if (f.type != metrics::metric_type::histogram) {
      for (auto& s : f.samples)
        append_sample(out, f.name, "", f, s, s.value);
      continue;
    }
    // The bounds' texts, once per family.
    std::vector<std::string> les;
    les.reserve(f.bounds.size() + 1);
    for (auto b : f.bounds) {
      std::string le;
      append_double(le, b);
      les.push_back(std::move(le));
    }
    les.emplace_back("+Inf");
    for (auto& s : f.samples) {
      for (size_t i = 0; i < les.size() && i < s.buckets.size(); ++i)
        append_sample(out, f.name, "_bucket", f, s, static_cast<double>(s.buckets[i]), &les[i]);
      append_sample(out, f.name, "_sum", f, s, s.sum);
      append_sample(out, f.name, "_count", f, s, static_cast<double>(s.count()));
    }
  }
}

void append_prometheus_text(std::string& out, const metrics::registry& reg) {
  append_prometheus_text(out, reg.collect());
}

std::string prometheus_text(const metrics::registry& reg) {
  std::string out;
  append_prometheus_text(out, reg);
  return out;
}

std::string prometheus_text(const metrics::snapshot& snap) {
  std::string out;
  append_prometheus_text(out, snap);
  return out;
}

} // namespace ringactor::telemetry
