#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

namespace bench {

namespace {

std::size_t parse_count(std::string_view flag, std::string_view text) {
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0)
    throw std::invalid_argument(fmt::format("{} expects a positive integer, got '{}'", flag, text));
  return value;
}

} // namespace

options parse_options(int argc, char** argv, std::span<const std::string_view> workloads) {
  options result;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--quick") {
      result.scale = scale::quick;
    } else if (arg == "--tiny") {
      result.scale = scale::tiny;
    } else if (arg == "--large") {
      result.large = true;
    } else if (arg == "--detached-factorizer") {
      result.detached_factorizer = true;
    } else if (arg == "--workers") {
      if (i + 1 == argc)
        throw std::invalid_argument("--workers needs a value");
      result.workers = parse_count(arg, argv[++i]);
    } else if (arg == "--label") {
      if (i + 1 == argc || std::string_view{argv[i + 1]}.empty())
        throw std::invalid_argument("--label needs a value");
      result.label = argv[++i];
    } else if (arg.starts_with("--workers=")) {
      result.workers = parse_count("--workers", arg.substr(10));
    } else if (arg.starts_with("-")) {
      throw std::invalid_argument(fmt::format("unknown option '{}'", arg));
    } else if (result.workload.empty()) {
      result.workload = arg;
    } else {
      throw std::invalid_argument(fmt::format("more than one workload given: '{}' and '{}'",
                                              result.workload, arg));
    }
  }
  if (result.workload.empty())
    throw std::invalid_argument("no workload given");
  if (std::find(workloads.begin(), workloads.end(), result.workload) == workloads.end())
    throw std::invalid_argument(fmt::format("unknown workload '{}'", result.workload));
  return result;
}

std::string usage(std::string_view program, std::span<const std::string_view> workloads) {
  return fmt::format("usage: {} WORKLOAD [--quick | --tiny] [--workers N] [--large] "
                     "[--detached-factorizer] [--label IMPL]\n"
                     "workloads: {}\n"
                     "Prints one JSON line per figure to stdout.\n",
                     program, fmt::join(workloads, " "));
}

} // namespace bench
