// systemd's command-line conventions (see cli_conventions.hpp).
#include "cli_conventions.hpp"

#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string_view>

#include "harden_bisect/result.hpp"
#include "harden_bisect/text.hpp"

namespace hb {
namespace {

constexpr std::size_t kHelpColumns = 100;
constexpr std::size_t kNameColumns = 30;  // option names; descriptions start after them
constexpr double kMaxSeconds = 86400;     // one day: more is a typo, and overflows no clock
constexpr int kMaxCount = 1000;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The unit type suffixes of systemd 252 (unit-def.c, unit_type_table).
constexpr std::array<std::string_view, 11> kUnitSuffixes = {
    ".service",   ".mount", ".swap", ".socket", ".target", ".device",
    ".automount", ".timer", ".path", ".slice",  ".scope"};

}  // namespace

std::string with_service_suffix(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos) return name;
  for (auto suffix : kUnitSuffixes) {
    if (ends_with(name, suffix)) return name;
  }
  return name + ".service";
}

bool colors_enabled(const char* systemd_colors, const char* no_color, const char* term,
                    bool is_tty) {
  if (systemd_colors) {  // parse_systemd_colors(): a boolean or a colour mode; else ignored
    const std::string_view v = systemd_colors;
    if (auto b = parse_boolean(v)) return *b;
    if (v == "16" || v == "256" || v == "24bit") return true;
  }
  if (no_color) return false;
  return is_tty && !(term && std::string_view(term) == "dumb");
}

bool colors_enabled_for(int fd) {
  return colors_enabled(getenv("SYSTEMD_COLORS"), getenv("NO_COLOR"), getenv("TERM"),
                        isatty(fd) == 1);
}

std::optional<std::string> pager_command(bool no_pager, const char* systemd_pager,
                                         const char* pager, bool stdout_is_tty) {
  if (no_pager || !stdout_is_tty) return std::nullopt;
  std::string command = systemd_pager ? systemd_pager : pager ? pager : "less";
  if (command.empty() || command == "cat") return std::nullopt;
  return command;
}

Pager::Pager(bool no_pager) {
  auto command =
      pager_command(no_pager, getenv("SYSTEMD_PAGER"), getenv("PAGER"), isatty(STDOUT_FILENO) == 1);
  if (!command) return;
  // As systemd: less quits when the text fits one screen, keeps colours, does not clear.
  setenv("LESS", "FRSXMK", 0);
  std::cout.flush();
  fflush(stdout);
  pipe_ = popen(command->c_str(), "w");
  if (!pipe_) return;  // no pager: the text goes to the terminal directly
  saved_stdout_ = dup(STDOUT_FILENO);
  dup2(fileno(pipe_), STDOUT_FILENO);
}

Pager::~Pager() {
  if (!pipe_) return;
  std::cout.flush();
  fflush(stdout);
  dup2(saved_stdout_, STDOUT_FILENO);  // the pager sees end of file once the pipe closes
  close(saved_stdout_);
  pclose(pipe_);
}

SplitCommandLine split_at_dashes(int argc, char** argv) {
  SplitCommandLine split;
  int i = 0;
  for (; i < argc && std::string_view(argv[i]) != "--"; ++i) split.options.push_back(argv[i]);
  for (++i; i < argc; ++i) split.probe.emplace_back(argv[i]);
  split.options.push_back(nullptr);
  return split;
}

std::string quote_command(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& word : argv) {
    if (!line.empty()) line += ' ';
    const bool plain =
        !word.empty() && word.find_first_of(" \t\n'\"\\$`*?;&|<>()#~") == std::string::npos;
    if (plain) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

CLI::Validator seconds_validator(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& value) -> std::string {
        char* end = nullptr;
        const double s = std::strtod(value.c_str(), &end);
        const bool number = !value.empty() && end && *end == '\0' && std::isfinite(s);
        if (!number || s < 0 || (s == 0 && !allow_zero) || s > kMaxSeconds) {
          return "'" + value + "' is not a number of seconds in " + (allow_zero ? "[0, " : "(0, ") +
                 "86400]";
        }
        return {};
      },
      "SECONDS");
}

CLI::Validator count_validator(int min) {
  return CLI::Validator(
      [min](std::string& value) -> std::string {
        char* end = nullptr;
        const long n = std::strtol(value.c_str(), &end, 10);
        if (value.empty() || !end || *end != '\0' || n < min || n > kMaxCount) {
          return "'" + value + "' is not a whole number in [" + std::to_string(min) + ", " +
                 std::to_string(kMaxCount) + "]";
        }
        return {};
      },
      "N");
}

CLI::Validator json_mode_validator(const std::string& file_option) {
  return CLI::Validator(
      [file_option](std::string& value) -> std::string {
        if (value == "pretty" || value == "short" || value == "off") return {};
        return "'" + value + "' is not pretty, short or off (the report on stdout); to write it " +
               "to a file use " + file_option + " FILE";
      },
      "pretty|short|off");
}

std::string wrap_words(const std::string& text, std::size_t width) {
  std::string out, line;
  std::istringstream paragraphs(text);
  for (std::string paragraph; std::getline(paragraphs, paragraph);) {
    std::istringstream words(paragraph);
    line.clear();
    for (std::string word; words >> word;) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out += line + "\n";
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    out += line + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

namespace {

// CLI11's formatter with descriptions, the program description and the footer wrapped.
class WrappingFormatter : public CLI::Formatter {
 public:
  explicit WrappingFormatter(std::string usage) : usage_(std::move(usage)) {
    column_width(kNameColumns);
  }
  std::string make_option_desc(const CLI::Option* opt) const override {
    return wrap_words(CLI::Formatter::make_option_desc(opt), kHelpColumns - kNameColumns);
  }
  std::string make_description(const CLI::App* app) const override {
    return wrap_words(app->get_description(), kHelpColumns) + "\n\n";
  }
  std::string make_footer(const CLI::App* app) const override {
    return app->get_footer().empty() ? ""
                                     : "\n" + wrap_words(app->get_footer(), kHelpColumns) + "\n";
  }
  std::string make_usage(const CLI::App* app, std::string name) const override {
    if (usage_.empty()) return CLI::Formatter::make_usage(app, std::move(name));
    return "Usage: " + usage_ + "\n";
  }

 private:
  std::string usage_;
};

}  // namespace

std::shared_ptr<CLI::Formatter> make_help_formatter(std::string usage) {
  return std::make_shared<WrappingFormatter>(std::move(usage));
}

int report_parse_error(CLI::App& app, const CLI::ParseError& e, const std::string& program) {
  if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
  std::string message = e.what();
  for (auto& c : message) {
    if (c == '\n') c = ' ';
  }
  std::cerr << program << ": " << message << " (see --help)\n";
  return static_cast<int>(ExitCode::kUsage);
}

}  // namespace hb
