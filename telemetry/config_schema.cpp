// ringactor telemetry: the configuration schema.
#include "ringactor/telemetry/config_schema.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace ringactor::telemetry {

namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    auto dot = path.find('.', pos);
    out.push_back(path.substr(pos, dot - pos));
    if (dot == std::string_view::npos)
      return out;
    pos = dot + 1;
  }
}

bool valid_path(std::string_view path) {
  for (auto seg : split(path)) {
    if (seg.empty())
      return false;
    if (seg == "*")
      continue;
    for (char c : seg)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
        return false;
  }
  return true;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Compares two values of the same alternative.
bool less(const config_value& x, const config_value& y) {
  return x < y; // std::variant compares within one alternative
}

std::string numeric_bounds(const config_key& k) {
  if (k.min && k.max)
    return fmt::format("in [{}, {}]", format_value(*k.min), format_value(*k.max));
  if (k.min)
    return fmt::format(">= {}", format_value(*k.min));
  if (k.max)
    return fmt::format("<= {}", format_value(*k.max));
  return {};
}

// "pools.*.size" -> "pools.<name>.size": how a reader writes the key.
std::string display_path(std::string_view path) {
  std::string out;
  for (auto seg : split(path))
    out += (out.empty() ? "" : ".") + std::string{seg == "*" ? "<name>" : seg};
  return out;
}

std::string markdown_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += '\\';
    out += c;
  }
  return out;
}

} // namespace

std::optional<std::string> suggest_name(std::string_view name,
                                        const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const auto& c : candidates) {
    auto d = edit_distance(name, c);
    if (!best || d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  if (best && best_distance > 0 && best_distance <= 3 && best_distance * 3 < best->size())
    return *best;
  return std::nullopt;
}

bool path_matches(std::string_view pattern, std::string_view path) noexcept {
  auto p = split(pattern);
  auto q = split(path);
  if (p.size() != q.size())
    return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] != "*" && p[i] != q[i])
      return false;
  return true;
}

// -- config_key ---------------------------------------------------------------

std::string config_key::expectation() const {
  std::string out{to_string(type)};
  if (!choices.empty()) {
    out += ": one of ";
    for (size_t i = 0; i < choices.size(); ++i)
      out += (i == 0 ? "" : ", ") + choices[i];
  }
  if (auto b = numeric_bounds(*this); !b.empty())
    out += " " + b;
  if (!rule_text.empty())
    out += ", " + rule_text;
  return out;
}

std::string config_key::validate(const config_value& x) const {
  auto found = format_value(x);
  if (type_of(x) != type)
    return fmt::format("expected {}, found {} {}", expectation(), to_string(type_of(x)), found);
  if ((min && less(x, *min)) || (max && less(*max, x)))
    return fmt::format("expected {} {}, found {}", to_string(type), numeric_bounds(*this), found);
  if (!choices.empty()) {
    const auto& s = std::get<std::string>(x);
    if (std::find(choices.begin(), choices.end(), s) == choices.end())
      return fmt::format("expected {}, found {}", expectation(), found);
  }
  if (rule) {
    if (auto what = rule(x); !what.empty())
      return fmt::format("expected {}, found {}", what, found);
  }
  return {};
}

std::string config_key::default_string() const {
  if (!default_text.empty())
    return default_text;
  if (default_value)
    return format_value(*default_value);
  return "(none)";
}

// -- config_schema ------------------------------------------------------------

config_key& config_schema::declare_choice(std::string path, std::string default_value,
                                          std::vector<std::string> choices, std::string doc) {
  config_key k;
  k.path = std::move(path);
  k.type = config_type::string;
  k.default_value = config_value{std::move(default_value)};
  k.choices = std::move(choices);
  k.doc = std::move(doc);
  return add(std::move(k));
}

config_key& config_schema::declare_optional(std::string path, config_type type,
                                            std::string default_text, std::string doc) {
  config_key k;
  k.path = std::move(path);
  k.type = type;
  k.default_text = std::move(default_text);
  k.doc = std::move(doc);
  return add(std::move(k));
}

config_key& config_schema::add(config_key key) {
  if (!valid_path(key.path))
    throw std::invalid_argument(fmt::format(
      "configuration key \"{}\": a path is dotted segments of [a-z0-9_] or *", key.path));
  for (const auto& k : keys_) {
    if (path_matches(k.path, key.path) || path_matches(key.path, k.path))
      throw std::invalid_argument(fmt::format("configuration key \"{}\" is declared twice{}",
                                              key.path,
                                              k.path == key.path ? "" : " (as " + k.path + ")"));
    if (k.path.starts_with(key.path + ".") || key.path.starts_with(k.path + "."))
      throw std::invalid_argument(fmt::format(
        "configuration key \"{}\" cannot be both a key and a table (\"{}\")", key.path, k.path));
  }
  if (key.default_value) {
    if (auto what = key.validate(*key.default_value); !what.empty())
      throw std::invalid_argument(fmt::format("configuration key \"{}\": bad default: {}", key.path,
                                              what));
  }
  keys_.push_back(std::move(key));
  return keys_.back();
}

const config_key* config_schema::find(std::string_view path) const {
  for (const auto& k : keys_)
    if (path_matches(k.path, path))
      return &k;
  return nullptr;
}

void config_schema::set_default(std::string_view path, config_value value) {
  for (auto& k : keys_) {
    if (k.path != path)
      continue;
    if (!k.default_value || k.default_value->index() != value.index())
      throw std::invalid_argument(fmt::format("configuration key \"{}\": a default of another type",
                                              path));
    k.default_value = std::move(value);
    return;
  }
  throw std::invalid_argument(fmt::format("configuration key \"{}\" is not declared", path));
}

bool config_schema::is_table(std::string_view path) const {
  auto n = split(path).size();
  for (const auto& k : keys_) {
    auto segs = split(k.path);
    if (segs.size() <= n)
      continue;
    std::string prefix;
    for (size_t i = 0; i < n; ++i)
      prefix += (i == 0 ? "" : ".") + std::string{segs[i]};
    if (path_matches(prefix, path))
      return true;
  }
  return false;
}

std::optional<std::string> config_schema::suggest(std::string_view path) const {
  auto q = split(path);
  std::vector<std::string> candidates;
  for (const auto& k : keys_) {
    auto segs = split(k.path);
    std::string candidate;
    for (size_t i = 0; i < segs.size(); ++i) {
      auto seg = segs[i] == "*" ? (i < q.size() ? q[i] : std::string_view{"<name>"}) : segs[i];
      candidate += (i == 0 ? "" : ".") + std::string{seg};
    }
    // Tables too: "sytem" -> "system".
    for (auto dot = candidate.find('.'); dot != std::string::npos;
         dot = candidate.find('.', dot + 1))
      candidates.push_back(candidate.substr(0, dot));
    candidates.push_back(std::move(candidate));
  }
  return suggest_name(path, candidates);
}

std::string config_schema::help_text() const {
  std::string out;
  for (const auto& k : keys_) {
    out += fmt::format("--{}=<{}>  (default: {})\n", display_path(k.path), k.expectation(),
                       k.default_string());
    out += fmt::format("    {}\n", k.doc);
  }
  return out;
}

std::string config_schema::markdown_table() const {
  std::string out = "| Key | Type | Default | Description |\n|---|---|---|---|\n";
  for (const auto& k : keys_)
    out += fmt::format("| `{}` | {} | {} | {} |\n", display_path(k.path),
                       markdown_escape(k.expectation()), markdown_escape(k.default_string()),
                       markdown_escape(k.doc));
  return out;
}

} // namespace ringactor::telemetry
