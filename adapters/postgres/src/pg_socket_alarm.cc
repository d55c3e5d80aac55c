#include "pg_socket_alarm.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <map>
#include <system_error>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "mutex.h"

namespace massmigration::postgres::internal {
namespace {

using Clock = std::chrono::steady_clock;

// One thread for every alarm of the process; it sleeps until the earliest deadline.
class Watchdog {
 public:
  static Watchdog& instance() {
    static auto* w = new Watchdog;  // its thread runs until the process exits
    return *w;
  }

  std::uint64_t arm(int socket, Clock::time_point deadline) {
    MutexLock lock(&mu_);
    if (!running_) {
      std::thread([this] { run(); }).detach();
      running_ = true;
    }
    const std::uint64_t id = ++last_id_;
    alarms_.emplace(id, Alarm{socket, deadline, false});
    // Woken only for an earlier deadline than it sleeps until: calls made one after another
    // have ever later deadlines, and waking the thread for each cost a guard's cold check a
    // tenth of its time. An alarm disarmed meanwhile just makes it wake once for nothing.
    if (deadline < sleeps_until_) changed_.notify_one();
    return id;
  }

  // The duplicate descriptor, to close, and whether the alarm rang.
  std::pair<int, bool> disarm(std::uint64_t id) {
    MutexLock lock(&mu_);
    auto it = alarms_.find(id);
    std::pair<int, bool> result{it->second.socket, it->second.rang};
    alarms_.erase(it);
    return result;
  }

 private:
  struct Alarm {
    int socket;
    Clock::time_point deadline;
    bool rang;
  };

  void run() {
    MutexLock lock(&mu_);
    for (;;) {
      Alarm* next = nullptr;
      for (auto& [id, alarm] : alarms_) {
        if (!alarm.rang && (!next || alarm.deadline < next->deadline)) next = &alarm;
      }
      if (!next) {
        sleeps_until_ = Clock::time_point::max();
        lock.wait(changed_);
      } else if (Clock::now() >= next->deadline) {
        // Wakes libpq's poll() on this socket; its reads then find the connection closed.
        ::shutdown(next->socket, SHUT_RDWR);
        next->rang = true;
      } else {
        // A copy: the wait reads its deadline after releasing the lock, when a disarm may
        // already have erased the alarm.
        const Clock::time_point deadline = next->deadline;
        sleeps_until_ = deadline;
        lock.wait_until(changed_, deadline);
      }
    }
  }

  Mutex mu_;
  std::condition_variable changed_;
  std::map<std::uint64_t, Alarm> alarms_ ABSL_GUARDED_BY(mu_);
  std::uint64_t last_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  // When the thread wakes by itself; max() while it waits for an alarm (or has not started:
  // it then reads the alarms before it sleeps).
  Clock::time_point sleeps_until_ ABSL_GUARDED_BY(mu_) = Clock::time_point::max();
};

}  // namespace

SocketAlarm::SocketAlarm(int socket, Clock::time_point deadline) {
  const int duplicate = ::dup(socket);
  if (duplicate < 0) throw std::system_error(errno, std::generic_category(), "dup");
  id_ = Watchdog::instance().arm(duplicate, deadline);
}

SocketAlarm::~SocketAlarm() { disarm(); }

bool SocketAlarm::disarm() {
  if (id_ == 0) return false;
  auto [duplicate, rang] = Watchdog::instance().disarm(id_);
  id_ = 0;
  ::close(duplicate);
  return rang;
}

}  // namespace massmigration::postgres::internal
