#include "cli.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace libexport::app {

std::string ExitCodesHelp(bool with_unreachable) {
  std::string text = "\nExit codes: 0 ok, 1 the command failed, 2 usage error";
  if (with_unreachable) text += ", 3 could not reach the server (request)";
  return text + ".";
}

namespace {

std::string EnvName(std::string_view prefix, const std::string& long_name) {
  std::string name(prefix);
  for (char c : long_name) {
    name.push_back(c == '-' ? '_'
                            : static_cast<char>(
                                  std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

// "exportctl tracker add": the program and the subcommands that were given.
std::string CommandPath(CLI::App& app, std::string_view program) {
  std::string path(program);
  for (CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    path += " " + at->get_name();
  }
  return path;
}

// The chosen subcommand that is deepest.
CLI::App* Deepest(CLI::App& app) {
  CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
  return at;
}

// CLI11's message, said plainer where it is vague: an unknown command, a
// --config file that cannot be read or holds an unknown setting.
std::string Explain(CLI::App& app, const CLI::ParseError& e) {
  CLI::App* at = Deepest(app);
  const bool has_commands =
      !at->get_subcommands([](CLI::App*) { return true; }).empty();
  if (has_commands) {
    // With fallthrough an unknown word may land in a parent: look at all.
    for (const std::string& word : app.remaining(true)) {
      if (!word.starts_with("-")) return "unknown command " + word;
    }
  }
  const CLI::Option* config = app.get_config_ptr();
  if (config == nullptr || config->count() == 0) return e.what();
  const std::string file = config->results().front();
  if (dynamic_cast<const CLI::FileError*>(&e) != nullptr) {
    std::FILE* f = std::fopen(file.c_str(), "r");
    const int error = f == nullptr ? errno : 0;
    if (f != nullptr) std::fclose(f);
    if (error != 0) return "--config: " + FileError("cannot read", file, error);
  }
  constexpr std::string_view kUnknown = "INI was not able to parse ";
  const std::string what = e.what();
  if (what.starts_with(kUnknown)) {
    return "--config " + file + ": unknown setting " +
           what.substr(kUnknown.size());
  }
  if (dynamic_cast<const CLI::ConfigError*>(&e) != nullptr) {
    return "--config " + file + ": " + what;
  }
  return what;
}

}  // namespace

void SetEnvNames(CLI::App& app, std::string_view prefix) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt == app.get_help_ptr() || opt == app.get_config_ptr() ||
        opt == app.get_version_ptr() || opt->get_positional() ||
        !opt->get_envname().empty() || opt->get_lnames().empty() ||
        opt->get_group().starts_with(kOwnEnvGroup)) {
      continue;
    }
    opt->envname(EnvName(prefix, opt->get_lnames().front()));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    SetEnvNames(*sub, prefix);
  }
}

std::optional<int> ParseCommandLine(CLI::App& app,
                                    const std::vector<std::string>& args,
                                    std::string_view program, std::ostream& out,
                                    std::ostream& err) {
  // CLI11 takes the words last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    const std::string command = CommandPath(app, program);
    err << command << ": " << Explain(app, e) << "\n(run `" << command
        << " --help` for usage)\n";
    return kExitUsage;
  }
}

std::string FileError(std::string_view verb, std::string_view path, int error) {
  return std::string(verb) + " " + std::string(path) + ": " +
         std::strerror(error);
}

FdOutBuf::FdOutBuf(int fd) : fd_(fd), buffer_(1 << 16) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

FdOutBuf::~FdOutBuf() { Drain(); }

bool FdOutBuf::WriteAll(const char* p, size_t n) {
  if (error_ != 0) return false;
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      error_ = errno;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool FdOutBuf::Drain() {
  const bool ok = WriteAll(pbase(), static_cast<size_t>(pptr() - pbase()));
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  return ok;
}

FdOutBuf::int_type FdOutBuf::overflow(int_type c) {
  if (!Drain()) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize FdOutBuf::xsputn(const char* s, std::streamsize n) {
  const auto size = static_cast<size_t>(n);
  if (size > static_cast<size_t>(epptr() - pptr())) {
    if (!Drain()) return 0;
    // A large chunk (an export's 64 KiB) goes out without a copy.
    if (size >= buffer_.size()) return WriteAll(s, size) ? n : 0;
  }
  std::memcpy(pptr(), s, size);
  pbump(static_cast<int>(size));
  return n;
}

int FdOutBuf::sync() { return Drain() ? 0 : -1; }

std::string WriteError(const std::ostream& out) {
  const auto* fd = dynamic_cast<const FdOutBuf*>(out.rdbuf());
  if (fd != nullptr && fd->error() != 0) {
    return std::string("write error: ") + std::strerror(fd->error());
  }
  return "write error";
}

}  // namespace libexport::app
