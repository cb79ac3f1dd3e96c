#include "connection_pool.h"

namespace libexport::app {
namespace {
thread_local bool t_refusing = false;
}  // namespace

ConnectionPool::ConnectionPool(int max_workers, PoolCounters* counters)
    : max_workers_(max_workers > 0 ? max_workers : 1), counters_(counters) {}

ConnectionPool::~ConnectionPool() { shutdown(); }

bool ConnectionPool::Refusing() { return t_refusing; }

void ConnectionPool::enqueue(std::function<void()> fn) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!shutdown_) {
      // Every job handed over has a thread that is not running another
      // one, so it starts at once.
      if (running_ < static_cast<int>(threads_.size())) {
        jobs_.push_back(std::move(fn));
        ++running_;
        counters_->busy.fetch_add(1);
        counters_->accepted.fetch_add(1);
        cv_.notify_one();
        return;
      }
      if (static_cast<int>(threads_.size()) < max_workers_) {
        jobs_.push_back(std::move(fn));
        ++running_;
        counters_->busy.fetch_add(1);
        counters_->accepted.fetch_add(1);
        threads_.emplace_back([this] { Work(); });
        counters_->workers.fetch_add(1);
        return;
      }
    }
  }
  counters_->refused.fetch_add(1);
  t_refusing = true;
  fn();
  t_refusing = false;
}

void ConnectionPool::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!jobs_.empty()) {
      std::function<void()> fn = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      fn();
      fn = nullptr;
      counters_->busy.fetch_sub(1);
      lock.lock();
      --running_;
      continue;
    }
    if (shutdown_) return;
    cv_.wait(lock);
  }
}

void ConnectionPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
  counters_->workers.fetch_sub(static_cast<int>(threads.size()));
}

}  // namespace libexport::app
