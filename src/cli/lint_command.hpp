// `harden-bisect lint FILE...`: exposure of unit files without a running systemd.
#pragma once

namespace hb {

// Runs the lint subcommand; `argv[0]` is "lint". Returns the process exit code: 0 ok, 1 a unit
// is above --threshold, 2 usage, 3 a file is unreadable or malformed (file:line on stderr),
// 4 a unit systemd would refuse to load (masked, not a service, bad settings).
int run_lint_command(int argc, char** argv);

}  // namespace hb
