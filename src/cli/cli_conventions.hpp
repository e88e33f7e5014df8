// systemd's command-line conventions, shared by the main command and the subcommands: unit name
// completion (`nginx` = `nginx.service`), colours (NO_COLOR, SYSTEMD_COLORS), the pager
// (--no-pager, SYSTEMD_PAGER, PAGER), `--json=pretty|short|off`, a probe after `--`, numeric
// option checks, and --help wrapped within 100 columns.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hb {

// The systemd version whose exposure table and option set the tool models.
inline constexpr const char* kModelSystemdVersion = "252";

// `name` with ".service" appended unless it already ends in a unit type suffix, as systemctl
// completes names ("nginx" -> "nginx.service", "getty@tty1" -> "getty@tty1.service";
// "foo.socket" and "" stay as they are, so the unit check can name the problem).
std::string with_service_suffix(const std::string& name);

// Whether to colour output, as systemd 252 decides it (terminal-util.c, get_color_mode):
// SYSTEMD_COLORS decides when it is a boolean or a colour mode (16, 256, 24bit = yes); else a
// set NO_COLOR means no; else colours only on a terminal that is not TERM=dumb. Null = unset.
bool colors_enabled(const char* systemd_colors, const char* no_color, const char* term,
                    bool is_tty);
// The same for a file descriptor, from the real environment.
bool colors_enabled_for(int fd);

// The pager command for output to a terminal, as systemd picks it: SYSTEMD_PAGER, else PAGER,
// else "less"; nullopt when paging is off (--no-pager, stdout not a terminal, or a pager of ""
// or "cat").
std::optional<std::string> pager_command(bool no_pager, const char* systemd_pager,
                                         const char* pager, bool stdout_is_tty);

// While alive, standard output goes through the pager (started only if pager_command gives
// one); the destructor flushes, closes the pipe and waits for the pager to quit.
class Pager {
 public:
  explicit Pager(bool no_pager);
  ~Pager();
  Pager(const Pager&) = delete;
  Pager& operator=(const Pager&) = delete;

 private:
  int saved_stdout_ = -1;
  FILE* pipe_ = nullptr;
};

// Splits a command line at the first "--": the part before (argv[0] included) is parsed as
// options; the words after it are one probe's argv exactly as given (spaces kept, no splitting).
struct SplitCommandLine {
  std::vector<char*> options;      // argv up to (not including) "--", plus a null terminator
  std::vector<std::string> probe;  // the words after "--"; empty without "--"
  int options_count() const { return static_cast<int>(options.size()) - 1; }
};
SplitCommandLine split_at_dashes(int argc, char** argv);

// A probe argv as one display line (the report and drop-in header), words with spaces or
// quotes single-quoted as a shell would need them.
std::string quote_command(const std::vector<std::string>& argv);

// Validators for numeric options: a finite number of seconds in (0, 1 day] (zero allowed with
// `allow_zero`), and a whole count in [min, 1000]. Their messages fit on one line.
CLI::Validator seconds_validator(bool allow_zero);
CLI::Validator count_validator(int min);

// `--json=MODE` as systemd-analyze spells it: pretty, short or off. A value that looks like a
// file name gets a message pointing to `file_option` (the old meaning of --json FILE).
CLI::Validator json_mode_validator(const std::string& file_option);

// --help in groups, every line within 100 columns (descriptions wrapped, continuation lines
// indented under the description column).
std::shared_ptr<CLI::Formatter> make_help_formatter(std::string usage);

// Words of `text` wrapped to `width` columns (lines joined with '\n', no trailing newline).
std::string wrap_words(const std::string& text, std::size_t width);

// The one-line message of a parse error ("harden-bisect: --settle: ..."), for stderr; help and
// version requests return their exit code unchanged after printing what CLI11 prints.
int report_parse_error(CLI::App& app, const CLI::ParseError& e, const std::string& program);

}  // namespace hb
