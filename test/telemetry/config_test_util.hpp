// ringactor telemetry tests: temporary configuration files and environment
// variables that restore themselves.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>

namespace ringactor::test {

/// A file with `text` in a fresh temporary directory, removed on scope exit.
class temp_file {
public:
  explicit temp_file(const std::string& text, const std::string& name = "ringactor.toml") {
    auto tmpl = (std::filesystem::temp_directory_path() / "ringactor-config-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    path_ = dir_ / name;
    std::ofstream{path_} << text;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::string str() const { return path_.string(); }

private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

/// Sets an environment variable and restores its old value (or its absence).
class scoped_env {
public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (auto old = std::getenv(name))
      old_ = old;
    setenv(name, value, 1);
  }
  ~scoped_env() {
    if (old_)
      setenv(name_.c_str(), old_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

private:
  std::string name_;
  std::optional<std::string> old_;
};

} // namespace ringactor::test
