// ringactor telemetry: loading a configuration: defaults, then the file, the
// environment and the command line, each validated against the schema.
#include "ringactor/telemetry/config_loader.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ringactor/telemetry/runtime_schema.hpp"
#include "runtime_rules.hpp"

extern char** environ; // NOLINT: POSIX

namespace ringactor::telemetry {

namespace {

using entry_map = std::map<std::string, config_entry, std::less<>>;

std::string_view toml_type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "real";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    default: return "nothing";
  }
}

std::string toml_found(const toml::node& n) {
  std::ostringstream os;
  if (n.is_string())
    os << '"' << n.as_string()->get() << '"';
  else if (n.is_table())
    os << "a table";
  else if (n.is_array())
    os << "an array";
  else
    n.visit([&](const auto& x) { os << x; });
  return fmt::format("{} {}", toml_type_name(n.type()), os.str());
}

// Reads a whole configuration; every error goes into `errors_`.
class loader {
public:
  explicit loader(const config_schema& schema) : schema_(schema) {}

  void defaults() {
    for (const auto& k : schema_.keys())
      if (k.default_value && k.path.find('*') == std::string::npos)
        entries_[k.path] = config_entry{*k.default_value, config_origin::default_value, {}, 0, 0};
  }

  void file(const std::filesystem::path& path) {
    auto name = path.string();
    std::ifstream in{path, std::ios::binary};
    if (!in) {
      errors_.push_back({name, 0, 0, {}, "cannot open the configuration file"});
      return;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    toml::table root;
    try {
      root = toml::parse(buf.str(), name);
    } catch (const toml::parse_error& e) {
      errors_.push_back({name,
                         e.source().begin.line,
                         e.source().begin.column,
                         {},
                         fmt::format("TOML syntax error: {}", e.description())});
      return;
    }
    walk(root, "", name);
  }

  void environment(const std::vector<std::string>& vars) {
    constexpr std::string_view prefix = "RINGACTOR_";
    for (const auto& var : vars) {
      auto eq = var.find('=');
      if (eq == std::string::npos)
        continue;
      std::string_view name{var.data(), eq};
      if (!name.starts_with(prefix) || name.find("__") == std::string_view::npos)
        continue;
      std::string path;
      auto rest = name.substr(prefix.size());
      for (size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '_' && i + 1 < rest.size() && rest[i + 1] == '_') {
          path += '.';
          ++i;
        } else {
          path += static_cast<char>(std::tolower(static_cast<unsigned char>(rest[i])));
        }
      }
      text_value(path, std::string_view{var}.substr(eq + 1), config_origin::environment,
                 fmt::format("environment variable {}", name));
    }
  }

  void command_line(const std::vector<std::string>& args) {
    for (const auto& arg : args) {
      if (arg == "--")
        break;
      if (!arg.starts_with("--"))
        continue;
      auto body = std::string_view{arg}.substr(2);
      auto eq = body.find('=');
      auto path = body.substr(0, eq);
      if (path.find('.') == std::string_view::npos)
        continue; // the application's own option
      auto source = fmt::format("command line --{}", path);
      if (eq == std::string_view::npos) {
        errors_.push_back({source, 0, 0, std::string{path},
                           fmt::format("expected --{}=<value>, found no value", path)});
        continue;
      }
      text_value(std::string{path}, body.substr(eq + 1), config_origin::command_line, source);
    }
  }

  // Gives each table of `*` keys the defaults of the keys it does not set.
  void instance_defaults() {
    std::set<std::string> tables{instances_.begin(), instances_.end()};
    for (const auto& [path, e] : entries_)
      if (auto dot = path.rfind('.'); dot != std::string::npos)
        tables.insert(path.substr(0, dot));
    for (const auto& k : schema_.keys()) {
      if (!k.default_value || k.path.find('*') == std::string::npos)
        continue;
      auto table_pattern = k.path.substr(0, k.path.rfind('.'));
      auto leaf = k.path.substr(k.path.rfind('.') + 1);
      for (const auto& t : tables) {
        if (!path_matches(table_pattern, t))
          continue;
        auto path = t + "." + leaf;
        if (!entries_.contains(path))
          entries_[path] = config_entry{*k.default_value, config_origin::default_value, {}, 0, 0};
      }
    }
  }

  config_result finish() {
    instance_defaults();
    check_runtime_rules(entries_, errors_);
    if (!errors_.empty())
      return std::move(errors_);
    return config::from_entries(std::move(entries_), instances_);
  }

private:
  void walk(const toml::table& table, const std::string& prefix, const std::string& file) {
    for (auto&& [k, node] : table) {
      auto path = prefix.empty() ? std::string{k.str()} : prefix + "." + std::string{k.str()};
      auto where = node.source().begin;
      if (node.is_table()) {
        if (schema_.is_table(path)) {
          instances_.push_back(path);
          walk(*node.as_table(), path, file);
        } else if (schema_.find(path)) {
          error_at(file, where.line, where.column, path,
                   fmt::format("expected {}, found a table", schema_.find(path)->expectation()));
        } else {
          unknown(file, where.line, where.column, path);
        }
        continue;
      }
      auto key = schema_.find(path);
      if (!key) {
        if (schema_.is_table(path))
          error_at(file, where.line, where.column, path,
                   fmt::format("expected a table, found {}", toml_found(node)));
        else
          unknown(file, where.line, where.column, path);
        continue;
      }
      auto value = from_toml(*key, node);
      if (auto what = std::get_if<std::string>(&value)) {
        error_at(file, where.line, where.column, path, *what);
        continue;
      }
      set(path, std::get<config_value>(std::move(value)), config_origin::file, file, where.line,
          where.column);
    }
  }

  // The node as the key's type, or what is wrong with it (wrong type, a bad
  // duration, out of range).
  std::variant<config_value, std::string> from_toml(const config_key& key, const toml::node& node) {
    std::optional<config_value> v;
    switch (key.type) {
      case config_type::boolean:
        if (auto x = node.as_boolean())
          v = config_value{x->get()};
        break;
      case config_type::integer:
        if (auto x = node.as_integer())
          v = config_value{x->get()};
        break;
      case config_type::real:
        if (auto x = node.as_floating_point())
          v = config_value{x->get()};
        else if (auto y = node.as_integer())
          v = config_value{static_cast<double>(y->get())};
        break;
      case config_type::string:
        if (auto x = node.as_string())
          v = config_value{x->get()};
        break;
      case config_type::duration:
        if (auto x = node.as_string()) {
          auto d = parse_duration(x->get());
          if (!d)
            return std::string{d.error().context()};
          v = config_value{*d};
        }
        break;
    }
    if (!v)
      return fmt::format("expected {}, found {}", key.expectation(), toml_found(node));
    if (auto what = key.validate(*v); !what.empty())
      return what;
    return std::move(*v);
  }

  void text_value(const std::string& path, std::string_view text, config_origin origin,
                  const std::string& source) {
    auto key = schema_.find(path);
    if (!key) {
      unknown(source, 0, 0, path);
      return;
    }
    auto v = parse_config_value(key->type, text);
    if (!v) {
      auto what = std::string{v.error().context()};
      if (key->type != config_type::duration)
        what = fmt::format("expected {}, found \"{}\"", key->expectation(), text);
      error_at(source, 0, 0, path, what);
      return;
    }
    if (auto what = key->validate(*v); !what.empty()) {
      error_at(source, 0, 0, path, what);
      return;
    }
    set(path, std::move(*v), origin, source, 0, 0);
  }

  void set(const std::string& path, config_value v, config_origin origin, const std::string& source,
           std::uint32_t line, std::uint32_t column) {
    entries_[path] = config_entry{std::move(v), origin, source, line, column};
  }

  void unknown(const std::string& source, std::uint32_t line, std::uint32_t column,
               const std::string& path) {
    auto msg = std::string{"unknown key"};
    if (auto s = schema_.suggest(path))
      msg += fmt::format("; did you mean \"{}\"?", *s);
    error_at(source, line, column, path, msg);
  }

  void error_at(const std::string& source, std::uint32_t line, std::uint32_t column,
                const std::string& path, std::string msg) {
    errors_.push_back({source, line, column, path, std::move(msg)});
  }

  const config_schema& schema_;
  entry_map entries_;
  std::vector<std::string> instances_;
  config_errors errors_;
};

} // namespace

// -- config_result ------------------------------------------------------------

config& config_result::value() & {
  if (!has_value())
    throw std::runtime_error("invalid configuration:\n" + errors().to_string());
  return std::get<config>(value_);
}

const config& config_result::value() const& {
  if (!has_value())
    throw std::runtime_error("invalid configuration:\n" + errors().to_string());
  return std::get<config>(value_);
}

config&& config_result::value() && {
  return std::move(value());
}

const config_errors& config_result::errors() const noexcept {
  static const config_errors none;
  if (auto ptr = std::get_if<config_errors>(&value_))
    return *ptr;
  return none;
}

// -- load_config --------------------------------------------------------------

std::vector<std::string> process_environment() {
  std::vector<std::string> out;
  for (auto ptr = environ; ptr && *ptr; ++ptr)
    out.emplace_back(*ptr);
  return out;
}

config_result load_config(const config_sources& sources, const config_schema& schema) {
  loader l{schema};
  l.defaults();
  if (!sources.file.empty())
    l.file(sources.file);
  l.environment(sources.environment);
  l.command_line(sources.args);
  return l.finish();
}

config_result load_config(const std::filesystem::path& file, int argc, const char* const* argv,
                          const config_schema& schema) {
  config_sources sources;
  sources.file = file;
  sources.environment = process_environment();
  for (int i = 1; i < argc; ++i)
    sources.args.emplace_back(argv[i]);
  return load_config(sources, schema);
}

config_result load_config(const std::filesystem::path& file, int argc, const char* const* argv) {
  static const config_schema schema = runtime_schema();
  return load_config(file, argc, argv, schema);
}

} // namespace ringactor::telemetry
