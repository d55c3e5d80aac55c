#include "pg_deadline_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

namespace massmigration::postgres::internal {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(PGconn* connection, const std::string& why) {
  PQfinish(connection);
  throw pqxx::broken_connection(why);
}

// Connects as PQconnectdb would, but waits on the socket only until `deadline`.
PGconn* connect_by(const std::string& conninfo, Clock::time_point deadline) {
  PGconn* connection = PQconnectStart(conninfo.c_str());
  if (!connection) throw std::bad_alloc();
  if (PQstatus(connection) == CONNECTION_BAD) fail(connection, PQerrorMessage(connection));
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  for (;;) {
    if (state == PGRES_POLLING_OK) return connection;
    if (state == PGRES_POLLING_FAILED) fail(connection, PQerrorMessage(connection));
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) fail(connection, "no connection before the deadline");
    pollfd wait{PQsocket(connection),
                static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    const int ready = ::poll(&wait, 1, static_cast<int>(left));
    if (ready < 0 && errno != EINTR) fail(connection, std::string("poll: ") + strerror(errno));
    if (ready > 0) state = PQconnectPoll(connection);
  }
}

}  // namespace

DeadlineConnection::DeadlineConnection(const std::string& conninfo, Clock::time_point deadline)
    : pqxx::connection_base(policy_), policy_(conninfo, deadline) {
  init();
}

DeadlineConnection::~DeadlineConnection() noexcept { close(); }

pqxx::connectionpolicy::handle DeadlineConnection::ConnectOnce::do_startconnect(handle orig) {
  if (orig) return orig;
  if (connected_) throw pqxx::broken_connection("the connection was lost");
  connected_ = true;
  return connect_by(options(), deadline_);
}

bool still_idle(const pqxx::connection_base& connection) {
  if (!connection.is_open()) return false;
  pollfd idle{connection.sock(), POLLIN, 0};
  return ::poll(&idle, 1, 0) == 0;
}

bool ends_the_session(const std::string& sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("57P");
}

}  // namespace massmigration::postgres::internal
