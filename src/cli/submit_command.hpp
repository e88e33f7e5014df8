// The CLI as a client of harden-bisectd (issue 14): `submit`, `jobs`, `cancel`. main() hands
// over argv from the subcommand's name on.
#pragma once

namespace hb {

// `harden-bisect submit [--wait] --probe P [run options] UNIT`: queues a job on the daemon.
// Without --wait prints the job's path. With --wait prints a line per trial as the daemon
// reports it, writes the drop-in (-o, default stdout) and exits with the code an in-process run
// would have (0 done, 2 usage, 3 bad probe or option, 4 unit unusable, ..., 130 cancelled).
int submit_command(int argc, char** argv);

// `harden-bisect jobs`: one line per job the daemon knows. Exit 6 without a daemon.
int jobs_command(int argc, char** argv);

// `harden-bisect cancel JOB` (an id or a job path): stops a queued or running job.
int cancel_command(int argc, char** argv);

}  // namespace hb
