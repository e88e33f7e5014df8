// `harden-bisect plan ...` (issue 12). main() hands over argv from "plan" on.
#pragma once

namespace hb {

// Runs `plan run|merge|validate`; argv[0] is "plan". Returns the process exit code.
int plan_command(int argc, char** argv);

}  // namespace hb
