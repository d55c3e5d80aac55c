#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace massmigration::test {
namespace {

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

// Closing with SO_LINGER 0 sends a reset: the other end learns at once that it is gone.
void reset(int socket) {
  linger abort{.l_onoff = 1, .l_linger = 0};
  setsockopt(socket, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  shutdown(socket, SHUT_RDWR);
}

// Copies what `from` has to `to`; false at its end or on an error.
bool pass_on(int from, int to) {
  char buffer[16384];
  const ssize_t n = read(from, buffer, sizeof buffer);
  if (n <= 0) return false;
  for (ssize_t sent = 0; sent < n;) {
    const ssize_t m = write(to, buffer + sent, static_cast<size_t>(n - sent));
    if (m <= 0) return false;
    sent += m;
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) fail("socket");
  sockaddr_in address = loopback(0);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind");
  if (listen(listener_, 64) != 0) fail("listen");
  socklen_t length = sizeof address;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  if (pipe2(wake_, O_CLOEXEC) != 0) fail("pipe");
  acceptor_ = std::thread([this] { accept_until_stopped(); });
}

TcpProxy::~TcpProxy() {
  const char stop = 1;
  (void)!write(wake_[1], &stop, 1);
  acceptor_.join();
  close_all();
  std::vector<std::thread> forwarders;
  {
    std::lock_guard lock(mu_);
    forwarders.swap(forwarders_);
  }
  for (std::thread& forwarder : forwarders) forwarder.join();
  close(listener_);
  close(wake_[0]);
  close(wake_[1]);
}

void TcpProxy::cut() {
  cut_ = true;
  close_all();
}

void TcpProxy::restore() { cut_ = false; }

void TcpProxy::close_all() {
  std::lock_guard lock(mu_);
  for (int socket : open_) reset(socket);
}

void TcpProxy::accept_until_stopped() {
  for (;;) {
    pollfd fds[2] = {{.fd = listener_, .events = POLLIN, .revents = 0},
                     {.fd = wake_[0], .events = POLLIN, .revents = 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (cut_) {
      reset(client);
      close(client);
      continue;
    }
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in target = loopback(target_port_);
    if (server < 0 || connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
      if (server >= 0) close(server);
      reset(client);
      close(client);
      continue;
    }
    std::lock_guard lock(mu_);
    open_.insert(client);
    open_.insert(server);
    forwarders_.emplace_back([this, client, server] { forward(client, server); });
  }
}

void TcpProxy::forward(int client, int server) {
  for (;;) {
    pollfd fds[2] = {{.fd = client, .events = POLLIN, .revents = 0},
                     {.fd = server, .events = POLLIN, .revents = 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[0].revents && !pass_on(client, server)) break;
    if (fds[1].revents && !pass_on(server, client)) break;
  }
  std::lock_guard lock(mu_);
  reset(client);
  reset(server);
  open_.erase(client);
  open_.erase(server);
  close(client);
  close(server);
}

}  // namespace massmigration::test
