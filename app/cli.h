// The command-line manners shared by exportctl and exportd, on CLI11: exit
// codes, how a parse ends (help on stdout and 0, a usage error on stderr and
// 2), environment variables for every flag, and the errors of files and of
// stdout named by their cause.
#ifndef LIBEXPORT_APP_CLI_H_
#define LIBEXPORT_APP_CLI_H_

#include <CLI/CLI.hpp>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace libexport::app {

// Exit codes of both programs (documented in --help and the README).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // the command could not be done
inline constexpr int kExitUsage = 2;        // a wrong command line
inline constexpr int kExitUnreachable = 3;  // request: no answer from server

// The --help footer that lists the exit codes above.
std::string ExitCodesHelp(bool with_unreachable);

// A wrong command line found after CLI11 parsed it (exit code 2).
struct UsageError {
  std::string message;
};

// A command that could not be done (exit code 1).
struct Failure {
  std::string message;
};

// Gives every option of `app` and of its subcommands (recursively) that has
// a long name and no environment variable yet the variable
// PREFIX + NAME in upper snake case (`--ca-cert` -> EXPORTCTL_CA_CERT).
// Positional arguments, --help and the options of a group starting with
// kOwnEnvGroup (they read their environment themselves) get none.
void SetEnvNames(CLI::App& app, std::string_view prefix);
inline constexpr std::string_view kOwnEnvGroup = "Key ";

// Parses `args` (the words after the program name). Returns nullopt when the
// program should go on; otherwise the exit code, having written the help to
// `out` (0) or the usage error to `err` (2), each prefixed by `program`.
std::optional<int> ParseCommandLine(CLI::App& app,
                                    const std::vector<std::string>& args,
                                    std::string_view program, std::ostream& out,
                                    std::ostream& err);

// "cannot read x.json: No such file or directory" for the errno of a failed
// read of `path`.
std::string FileError(std::string_view verb, std::string_view path, int error);

// A streambuf over a file descriptor (exportctl's stdout) that remembers why
// a write failed, so a full disk reads "write error: No space left on
// device" and not a bare failed stream. Not thread-safe.
class FdOutBuf : public std::streambuf {
 public:
  explicit FdOutBuf(int fd);
  ~FdOutBuf() override;
  FdOutBuf(const FdOutBuf&) = delete;
  FdOutBuf& operator=(const FdOutBuf&) = delete;
  // The errno of the first failed write; 0 while none failed.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool WriteAll(const char* p, size_t n);
  bool Drain();
  int fd_;
  int error_ = 0;
  std::vector<char> buffer_;
};

// "write error: <cause>" for a stream whose writes failed: the cause comes
// from an FdOutBuf, else it is unknown.
std::string WriteError(const std::ostream& out);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_CLI_H_
