// exportd's command line: flags into a ServerConfig, and the usage text.
#ifndef LIBEXPORT_APP_SERVER_CONFIG_H_
#define LIBEXPORT_APP_SERVER_CONFIG_H_

#include <string>
#include <vector>

namespace libexport::app {

struct ServerConfig {
  std::string store = "./data/store";
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (printed at start)
  // Workers. httplib holds one per keep-alive connection, so this is the
  // most concurrent clients served without queueing.
  int threads = 64;
  int max_clock_skew = 5;
  int read_timeout = 5;
  int write_timeout = 5;
  int keep_alive_timeout = 5;
  int max_stream_seconds = 300;
  // How long SIGTERM/SIGINT lets running exports finish before cutting them.
  int shutdown_grace = 10;
  std::string tls_cert;
  std::string tls_key;
  bool access_log = true;
};

// Parses argv[1..]. On error returns false and sets `error`; `help` is set
// for --help.
bool ParseServerFlags(const std::vector<std::string>& args,
                      ServerConfig* config, bool* help, std::string* error);

const char* ServerUsage();

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_SERVER_CONFIG_H_
