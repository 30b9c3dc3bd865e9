// The README's configuration key list is the one the code declares.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include <ringactor/telemetry/runtime_schema.hpp>

#include "readme_keys.hpp"

TEST_SUITE("telemetry") {

  TEST_CASE("the README's key list is the one the code declares") {
    std::ifstream in{RINGACTOR_README};
    REQUIRE_MESSAGE(in.good(), "cannot read " RINGACTOR_README);
    std::stringstream buf;
    buf << in.rdbuf();
    auto section = ringactor::test::config_keys_section(buf.str());
    REQUIRE_MESSAGE(section.has_value(),
                    "README.md has no <!-- config-keys:begin --> ... <!-- config-keys:end -->");
    auto table = ringactor::telemetry::runtime_schema().markdown_table();
    CHECK_MESSAGE(*section == table, "README.md's configuration keys differ from the code's; run "
                                     "build/test/telemetry/print_config_keys --update README.md");
  }

  TEST_CASE("the README section is found between its markers and can be replaced") {
    std::string readme = "a\n<!-- config-keys:begin -->\nold\n<!-- config-keys:end -->\nb\n";
    CHECK(ringactor::test::config_keys_section(readme) == "old\n");
    CHECK(ringactor::test::with_config_keys(readme, "new\n")
          == "a\n<!-- config-keys:begin -->\nnew\n<!-- config-keys:end -->\nb\n");
    CHECK_FALSE(ringactor::test::config_keys_section("no markers").has_value());
  }

} // TEST_SUITE
