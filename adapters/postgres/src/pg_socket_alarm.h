// Internal: a deadline for a blocking libpq call. Not API.
//
// libpq waits for a server's answer with no limit of its own, and a server that is hung or
// stopped (SIGSTOP) still has its kernel accept connections and acknowledge what is sent, so
// neither TCP timeouts nor keepalives end that wait. A SocketAlarm shuts the connection's
// socket down when its deadline passes: libpq's wait then returns, with the connection
// broken, and the call fails instead of hanging. The connection is not usable afterwards.
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_SOCKET_ALARM_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_SOCKET_ALARM_H_

#include <chrono>
#include <cstdint>

namespace massmigration::postgres::internal {

class SocketAlarm {
 public:
  // Armed until disarm() or destruction. The alarm keeps a duplicate of `socket`, so that it
  // shuts down this connection even if libpq closes its descriptor meanwhile and the number is
  // reused. Throws std::system_error when the descriptor cannot be duplicated.
  SocketAlarm(int socket, std::chrono::steady_clock::time_point deadline);
  ~SocketAlarm();
  SocketAlarm(const SocketAlarm&) = delete;
  SocketAlarm& operator=(const SocketAlarm&) = delete;

  // True if the deadline passed and the socket was shut down. Later calls return false.
  bool disarm();

 private:
  std::uint64_t id_ = 0;  // 0: disarmed
};

}  // namespace massmigration::postgres::internal

#endif  // MASSMIGRATION_ADAPTERS_POSTGRES_SOCKET_ALARM_H_
