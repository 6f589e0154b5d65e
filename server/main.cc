// strongbox: flags → Config → app::Run(); nothing else.

#include <iostream>
#include <string>
#include <vector>

#include "app/app.h"
#include "config/config.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
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
