// Options of issue 11 (copies that cannot hurt production, no wasted trials), kept out of
// main.cpp so that its structure stays the maintainers'.
#pragma once

#include <CLI/CLI.hpp>

#include "harden_bisect/run_driver.hpp"

namespace hb {

// --retries-all, --full-settle; they fill `run`.
void add_isolation_options(CLI::App& app, RunConfig& run);

}  // namespace hb
