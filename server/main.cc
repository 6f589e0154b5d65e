// strongbox: flags → Config → app::Run(), or a subcommand (keys, restore, db); nothing else.

#include <iostream>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/commands.h"
#include "config/config.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (!args.empty() && args[0] == "keys") return strongbox::app::RunKeysCommand(args);
    if (!args.empty() && args[0] == "restore") return strongbox::app::RunRestoreCommand(args);
    if (!args.empty() && args[0] == "db") return strongbox::app::RunDbCommand(args);
  } catch (const std::exception& e) {
    std::cerr << "strongbox: fatal: " << e.what() << "\n";
    return 1;
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << strongbox::config::HelpText();
      return 0;
    }
  }
  auto config = strongbox::config::LoadConfig(args, strongbox::config::ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << "strongbox: " << config.status().message() << "\n";
    return 2;
  }
  try {
    return strongbox::app::Run(*config);
  } catch (const std::exception& e) {
    std::cerr << "strongbox: fatal: " << e.what() << "\n";
    return 1;
  }
}
