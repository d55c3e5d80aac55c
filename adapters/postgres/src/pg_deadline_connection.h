// Internal: connections for calls that must end by a deadline. Not API.
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_DEADLINE_CONNECTION_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_DEADLINE_CONNECTION_H_

#include <chrono>
#include <pqxx/pqxx>
#include <string>

namespace massmigration::postgres::internal {

// A libpqxx connection made by `deadline` (libpq's own connect_timeout counts whole seconds,
// and a hung server may take it per address) that never reconnects by itself: libpqxx would
// otherwise reconnect a broken connection on its next use, mid-call and with no deadline. Its
// owner drops a broken one. Throws pqxx::broken_connection when not connected in time.
class DeadlineConnection : public pqxx::connection_base {
 public:
  DeadlineConnection(const std::string& conninfo, std::chrono::steady_clock::time_point deadline);
  ~DeadlineConnection() noexcept;

 private:
  class ConnectOnce : public pqxx::connectionpolicy {
   public:
    ConnectOnce(const std::string& conninfo, std::chrono::steady_clock::time_point deadline)
        : pqxx::connectionpolicy(conninfo), deadline_(deadline) {}
    handle do_startconnect(handle orig) override;

   private:
    const std::chrono::steady_clock::time_point deadline_;
    bool connected_ = false;
  };
  ConnectOnce policy_;  // connection_base keeps a reference: it outlives the connection
};

// False when the server has closed `connection` or sent something unasked (a restart's
// termination notice): an idle connection that would fail on its next use. Sends nothing.
bool still_idle(const pqxx::connection_base& connection);

// Whether an error with this SQLSTATE leaves the session unusable though the server answered:
// class 08 (connection exception) and 57P (the server shuts down or the session was ended).
bool ends_the_session(const std::string& sqlstate);

}  // namespace massmigration::postgres::internal

#endif  // MASSMIGRATION_ADAPTERS_POSTGRES_DEADLINE_CONNECTION_H_
