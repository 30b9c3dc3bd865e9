// ringactor telemetry: the configuration keys, declared once: path, type,
// default, range and documentation. The loader validates against it, parses
// environment variables and command-line values with it, suggests a key for
// a misspelt one, and the help listing and the README's key table are
// written from it.
//
//   auto schema = runtime_schema(); // the runtime's own keys
//   schema.declare<std::int64_t>("app.batch", 64, "Rows per batch.", {.min = 1, .max = 4096});
//   schema.declare_choice("app.mode", "fast", {"fast", "safe"}, "How rows are written.");
//   auto cfg = load_config("app.toml", argc, argv, schema);
//   auto batch = cfg->get<std::int64_t>("app.batch");
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringactor/telemetry/config_value.hpp"

namespace ringactor::telemetry {

/// Bounds of a numeric or duration key (both inclusive; unset: unbounded).
template <class T>
struct value_range {
  std::optional<T> min = std::nullopt;
  std::optional<T> max = std::nullopt;
};

/// One declared key. A path is dotted lower-case segments ([a-z0-9_]); a
/// segment `*` stands for any name, as in "pools.*.size" for every pool.
struct config_key {
  std::string path;
  config_type type = config_type::string;
  /// The value when no source sets the key; none: the key is optional (a
  /// rule elsewhere says what its absence means, see default_text).
  std::optional<config_value> default_value;
  /// What help shows as the default instead of default_value (for a
  /// default that depends on the machine or on another key).
  std::string default_text;
  std::string doc;
  std::optional<config_value> min;
  std::optional<config_value> max;
  /// For strings: the accepted values (empty: any string).
  std::vector<std::string> choices;
  /// An extra rule: returns empty for a good value, else what was expected
  /// ("a power of two >= 2"). rule_text describes it in help.
  std::function<std::string(const config_value&)> rule;
  std::string rule_text;

  /// Empty if `x` (of this key's type) is in range, one of the choices and
  /// passes the rule; else "expected <what>, found <x>".
  std::string validate(const config_value& x) const;
  /// "integer in [1, 4096]", "string: one of a, b", "duration >= 1ms".
  std::string expectation() const;
  /// The default as help shows it.
  std::string default_string() const;
};

class config_schema {
public:
  /// Declares a key with a default. Throws std::invalid_argument for a bad
  /// or duplicate path, or a default outside the range. The reference stays
  /// valid until the next declare.
  template <class T>
  config_key& declare(std::string path, T default_value, std::string doc,
                      value_range<T> range = {}) {
    config_key k;
    k.path = std::move(path);
    k.type = config_type_of<T>::value;
    k.default_value = config_value{std::move(default_value)};
    k.doc = std::move(doc);
    if (range.min)
      k.min = config_value{*range.min};
    if (range.max)
      k.max = config_value{*range.max};
    return add(std::move(k));
  }

  /// Declares a string key that takes one of `choices`.
  config_key& declare_choice(std::string path, std::string default_value,
                             std::vector<std::string> choices, std::string doc);

  /// Declares a key without a default: `default_text` says what its absence
  /// means ("the kernel's own", "supervision.strategy").
  config_key& declare_optional(std::string path, config_type type, std::string default_text,
                               std::string doc);

  /// Adds a key built by hand (the general form of the declares above).
  config_key& add(config_key key);

  /// The key `path` names (exactly, or through a `*` segment); null if none.
  const config_key* find(std::string_view path) const;

  /// Gives the declared key `path` (exactly as declared) another default:
  /// an application's own (ringactor-server yields idle workers' cores).
  /// Throws std::invalid_argument for an unknown key or a value of another
  /// type (a schema is built by the program, not from input).
  void set_default(std::string_view path, config_value value);

  /// True if `path` names a table that holds keys ("system", "pools.a").
  bool is_table(std::string_view path) const;

  /// The declared key or table closest to `path` by edit distance, if one is close
  /// enough to be a likely misspelling; `*` segments take the name `path`
  /// has there ("pools.db.sise" -> "pools.db.size").
  std::optional<std::string> suggest(std::string_view path) const;

  /// Every key, in declaration order.
  const std::vector<config_key>& keys() const noexcept { return keys_; }

  /// A --help listing: each key with its type, default, range and doc.
  std::string help_text() const;

  /// The keys as a Markdown table (the README's key list).
  std::string markdown_table() const;

private:
  std::vector<config_key> keys_;
};

/// The candidate closest to `name` by edit distance when it is close enough
/// to be a likely misspelling (at most 3 edits, and fewer than a third of its
/// length); nothing for an exact match or none close.
std::optional<std::string> suggest_name(std::string_view name,
                                        const std::vector<std::string>& candidates);

/// True if `path` matches `pattern` segment by segment (`*` matches any
/// one segment).
bool path_matches(std::string_view pattern, std::string_view path) noexcept;

} // namespace ringactor::telemetry
