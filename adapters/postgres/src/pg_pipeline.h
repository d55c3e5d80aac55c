// Internal: statements sent on a connection without waiting for each one's outcome, inside the
// transaction open on it (libpq's pipeline mode). Not API.
//
// A mapper's per-row UPDATE costs one network round trip when run with execute; sent here, a
// thousand of them share one, and the server works on them while the client prepares the next.
#ifndef MASSMIGRATION_ADAPTERS_POSTGRES_PIPELINE_H_
#define MASSMIGRATION_ADAPTERS_POSTGRES_PIPELINE_H_

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace massmigration::postgres::internal {

// Why a sent statement failed, or that the connection did.
struct PipelineFailure {
  std::uint64_t sent_index = 0;  // counting the pipeline's sends from 0
  std::string sql{};
  std::string message{};
  std::string sqlstate{};  // empty when the failure is not the server's answer
  // No statement is to blame: the connection broke (sent_index and sql then mean nothing).
  bool connection_lost = false;
};

// Names of the statements prepared for pipelines on one connection, by SQL.
using PipelineStatements = std::map<std::string, std::string, std::less<>>;

class StatementPipeline {
 public:
  // REQUIRES: `connection` is idle inside a transaction block and outlives this object;
  // `prepared` belongs to that connection.
  StatementPipeline(PGconn* connection, PipelineStatements& prepared)
      : connection_(connection), prepared_(prepared) {}
  StatementPipeline(const StatementPipeline&) = delete;
  StatementPipeline& operator=(const StatementPipeline&) = delete;

  // Queues `sql` with `params` (nullptr for NULL; the text is copied). Returns a failure of an
  // earlier statement when the queue was full and had to be waited for.
  std::optional<PipelineFailure> send(std::string_view sql, const std::vector<const char*>& params);
  // Waits for every queued statement and leaves the connection idle for ordinary use; returns
  // the first failure. After a failure the transaction is aborted and only a rollback helps.
  std::optional<PipelineFailure> wait();
  bool idle() const { return !in_pipeline_mode_; }

 private:
  // One request awaiting its result: a statement sent, or the preparation of one.
  struct Pending {
    const std::string* sql;
    std::optional<std::uint64_t> sent_index;  // empty for a preparation
  };
  // The statement's entry, preparing it on this connection first if it is new.
  const PipelineStatements::value_type& prepared(std::string_view sql);
  std::optional<PipelineFailure> collect();

  PGconn* connection_;
  PipelineStatements& prepared_;
  std::vector<Pending> queue_;
  std::uint64_t sent_ = 0;
  bool in_pipeline_mode_ = false;
};

}  // namespace massmigration::postgres::internal

#endif  // MASSMIGRATION_ADAPTERS_POSTGRES_PIPELINE_H_
