// Prints the runtime's configuration keys, from the code that declares them
// (runtime_schema):
//   print_config_keys                   the README's Markdown table
//   print_config_keys --help            the --help listing
//   print_config_keys --update README   rewrites the table between the
//                                       README's config-keys markers
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <ringactor/telemetry/runtime_schema.hpp>

#include "readme_keys.hpp"

int main(int argc, char** argv) {
  auto schema = ringactor::telemetry::runtime_schema();
  std::string arg = argc > 1 ? argv[1] : "";
  if (arg == "--help") {
    std::fputs(schema.help_text().c_str(), stdout);
    return 0;
  }
  if (arg == "--update" && argc == 3) {
    std::stringstream buf;
    buf << std::ifstream{argv[2]}.rdbuf();
    auto updated = ringactor::test::with_config_keys(buf.str(), schema.markdown_table());
    if (!updated) {
      std::fprintf(stderr, "%s: no <!-- config-keys:begin --> ... <!-- config-keys:end -->\n",
                   argv[2]);
      return 1;
    }
    std::ofstream{argv[2]} << *updated;
    return 0;
  }
  if (!arg.empty()) {
    std::fprintf(stderr, "usage: %s [--help | --update README.md]\n", argv[0]);
    return 2;
  }
  std::fputs(schema.markdown_table().c_str(), stdout);
  return 0;
}
