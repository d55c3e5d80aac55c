// A loopback TCP proxy for tests: connections to its port are forwarded to a target port on
// 127.0.0.1, until the test cuts the network between them (every connection reset, new ones
// closed at once) and restores it.
#ifndef MASSMIGRATION_TESTS_SUPPORT_TCP_PROXY_H_
#define MASSMIGRATION_TESTS_SUPPORT_TCP_PROXY_H_

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace massmigration::test {

class TcpProxy {
 public:
  // Listens on an OS-chosen port of 127.0.0.1. Throws std::system_error when it cannot.
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  // Resets every forwarded connection, both ways, and closes new ones at once.
  void cut();
  // Forwards new connections again.
  void restore();

 private:
  void accept_until_stopped();
  void forward(int client, int server);
  void close_all();

  const int target_port_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};  // written when the proxy is destroyed
  std::atomic<bool> cut_{false};
  std::mutex mu_;
  std::set<int> open_;                   // sockets of forwarded connections, guarded by mu_
  std::vector<std::thread> forwarders_;  // guarded by mu_
  std::thread acceptor_;
};

}  // namespace massmigration::test

#endif  // MASSMIGRATION_TESTS_SUPPORT_TCP_PROXY_H_
