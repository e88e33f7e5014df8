// SIGINT/SIGTERM/SIGHUP become a flag that long waits poll, so cleanup always runs.
#pragma once

namespace hb {

// Installs handlers for SIGINT, SIGTERM and SIGHUP that set the flag (idempotent).
void install_interrupt_handlers();

// True once one of those signals arrived.
bool interrupted();

// The signal that arrived, or 0.
int interrupt_signal();

}  // namespace hb
