// The task queue behind exportd's listener: one worker thread per open
// connection (httplib 0.11.4 serves a connection on one thread for its
// whole life), started on demand up to a cap, and past the cap no queue at
// all: the connection is refused at once (HardenedServer answers 503 with
// Retry-After and closes), so no client ever waits behind connections that
// hold workers.
//
// Install it only on a HardenedServer (hardened_server.h): a refused
// connection is handed to the server on the accepting thread with
// ConnectionPool::Refusing() true, and only HardenedServer answers that
// without serving the connection.
//
// Thread safety: enqueue is called by httplib's accept loop, the counters
// are read from any thread.
#ifndef LIBEXPORT_APP_CONNECTION_POOL_H_
#define LIBEXPORT_APP_CONNECTION_POOL_H_

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace libexport::app {

// Outlives every pool that writes to it (the server owns it).
struct PoolCounters {
  std::atomic<int> workers{0};  // threads started (they are kept)
  std::atomic<int> busy{0};     // connections being served or handed over
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};
};

class ConnectionPool : public httplib::TaskQueue {
 public:
  // `max_workers` >= 1.
  ConnectionPool(int max_workers, PoolCounters* counters);
  ~ConnectionPool() override;

  void enqueue(std::function<void()> fn) override;
  // Serves what was handed over, then joins every worker.
  void shutdown() override;

  // True on the thread that runs a refused connection's task.
  static bool Refusing();

 private:
  void Work();

  const int max_workers_;
  PoolCounters* counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  int running_ = 0;  // jobs handed over and not finished (<= threads_)
  bool shutdown_ = false;
};

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_CONNECTION_POOL_H_
