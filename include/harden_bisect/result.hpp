// Errors as values: a trial that could not be carried out, bad input, a bus failure.
// A verdict (the service broke) is never an Error; see verdict.hpp.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace hb {

// What went wrong, by kind. The process exit code is derived from the kind alone
// (exit_code_for), never from an error's message text.
enum class ErrorKind {
  kInternal,        // a bug, or an I/O failure no other kind describes
  kUsage,           // bad command line, or --resume of a run with other options
  kBadInput,        // probe, catalogue, plan or journal file unusable
  kUnitUnusable,    // unit missing, masked, template, not a service, not reproducible
  kBaselineFailed,  // the unhardened copy already fails its probe
  kSystemd,         // no bus, no permission, systemd refused an operation
  kLocked,          // another run holds the lock for this unit
  kApplyFailed,     // --apply: the hardened unit failed its probe; rolled back
  kNotMaximal,      // --check-maximal: a rejected rung passes on top of the final set
  kDeadline,        // a job did not finish in time; a unit would not stop even with SIGKILL
  kUnitsFailed,     // plan: a unit failed (as shipped, ceiling, threshold, regression)
  kInterrupted,     // the run was cancelled (SIGINT/SIGTERM/SIGHUP); everything was restored
};

// Process exit codes; the README documents this table.
enum class ExitCode : int {
  kOk = 0,              // run finished; drop-in written (possibly with nothing kept)
  kFailure = 1,         // internal error
  kUsage = 2,           // bad command line
  kBadInput = 3,        // probe, catalogue or plan file unusable
  kUnitUnusable = 4,    // unit missing, masked, template, not a service, not reproducible
  kBaselineFailed = 5,  // the unhardened copy already fails its probe
  kSystemd = 6,         // no bus, no permission, systemd refused an operation
  kLocked = 7,          // another run holds the lock for this unit
  kApplyFailed = 8,     // --apply: the hardened unit failed its probe; rolled back
  kNotMaximal = 9,      // --check-maximal: the result is not maximal (reports are written)
  kDeadline = 10,       // a job or a stop did not finish within its deadline
  kUnitsFailed = 11,    // plan: a unit failed (as shipped, ceiling, threshold, regression)
  kInterrupted = 130,   // SIGINT/SIGTERM/SIGHUP; everything was restored
};

// The exit code of a process that ends with an error of `kind`.
constexpr ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInternal:
      return ExitCode::kFailure;
    case ErrorKind::kUsage:
      return ExitCode::kUsage;
    case ErrorKind::kBadInput:
      return ExitCode::kBadInput;
    case ErrorKind::kUnitUnusable:
      return ExitCode::kUnitUnusable;
    case ErrorKind::kBaselineFailed:
      return ExitCode::kBaselineFailed;
    case ErrorKind::kSystemd:
      return ExitCode::kSystemd;
    case ErrorKind::kLocked:
      return ExitCode::kLocked;
    case ErrorKind::kApplyFailed:
      return ExitCode::kApplyFailed;
    case ErrorKind::kNotMaximal:
      return ExitCode::kNotMaximal;
    case ErrorKind::kDeadline:
      return ExitCode::kDeadline;
    case ErrorKind::kUnitsFailed:
      return ExitCode::kUnitsFailed;
    case ErrorKind::kInterrupted:
      return ExitCode::kInterrupted;
  }
  return ExitCode::kFailure;
}

struct Error {
  std::string message;  // one line, with context: "while starting X: Access denied"
  ErrorKind kind = ErrorKind::kInternal;
  bool retryable = false;  // the peer went away for a moment (e.g. systemd re-executing)
};

// Either a value or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation without a value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}
  static Status success() { return {}; }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

// Prefixes an error message with context ("while X: ").
inline Error with_context(Error e, const std::string& context) {
  e.message = context + ": " + e.message;
  return e;
}

}  // namespace hb
