#include "pg_pipeline.h"

#include <string>

namespace massmigration::postgres::internal {
namespace {

// Sends between pushes of the output buffer, so that the server starts on the first statements
// while later ones are being prepared (libpq itself pushes only past 64 KiB).
constexpr std::size_t kFlushEvery = 64;
// Statements in flight before waiting for their outcomes: bounds the memory both sides buffer
// while costing one round trip per thousand statements.
constexpr std::size_t kWindow = 1024;

constexpr char kNoCopy[] = "COPY cannot be sent: run it with execute";

std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

const PipelineStatements::value_type& StatementPipeline::prepared(std::string_view sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return *it;
  std::string name = "mm_pipe_" + std::to_string(prepared_.size());
  it = prepared_.emplace(std::string(sql), std::move(name)).first;
  // When this cannot even be queued, the send after it fails too, and says why.
  if (PQsendPrepare(connection_, it->second.c_str(), it->first.c_str(), 0, nullptr) == 1) {
    queue_.push_back({&it->first, std::nullopt});
  }
  return *it;
}

std::optional<PipelineFailure> StatementPipeline::send(std::string_view sql,
                                                       const std::vector<const char*>& params) {
  auto refused = [&](std::string message) {
    return PipelineFailure{.sent_index = sent_,
                           .sql = std::string(sql),
                           .message = std::move(message),
                           .connection_lost = PQstatus(connection_) == CONNECTION_BAD};
  };
  if (!in_pipeline_mode_) {
    switch (PQtransactionStatus(connection_)) {
      case PQTRANS_INTRANS:
        break;
      case PQTRANS_INERROR:
        return refused("the transaction has already failed");
      default:
        return refused("the connection is not idle in a transaction");
    }
    if (PQenterPipelineMode(connection_) != 1) return refused(trimmed(PQerrorMessage(connection_)));
    in_pipeline_mode_ = true;
  }
  const auto& [text, name] = prepared(sql);
  if (PQsendQueryPrepared(connection_, name.c_str(), static_cast<int>(params.size()), params.data(),
                          nullptr, nullptr, 0) != 1) {
    std::string message = trimmed(PQerrorMessage(connection_));
    std::optional<PipelineFailure> earlier = wait();
    return earlier ? earlier : refused(std::move(message));
  }
  queue_.push_back({&text, sent_++});
  if (queue_.size() % kFlushEvery == 0) PQflush(connection_);
  if (queue_.size() >= kWindow) return wait();
  return std::nullopt;
}

std::optional<PipelineFailure> StatementPipeline::wait() {
  std::optional<PipelineFailure> failure = collect();
  queue_.clear();
  if (in_pipeline_mode_) {
    // Fails only on a connection with results still unread, which a broken one may have;
    // such a connection is not used again.
    PQexitPipelineMode(connection_);
    in_pipeline_mode_ = false;
  }
  return failure;
}

std::optional<PipelineFailure> StatementPipeline::collect() {
  if (queue_.empty()) return std::nullopt;
  std::optional<PipelineFailure> failure;
  auto fail = [&](std::size_t i, std::string message, std::string sqlstate) {
    if (failure) return;  // the first failure aborts the rest; it is the one to report
    // A preparation is queued just before the send that needed it, which gets the blame.
    const Pending& pending = queue_[i];
    std::uint64_t index = sent_;
    if (pending.sent_index) {
      index = *pending.sent_index;
    } else if (i + 1 < queue_.size()) {
      index = queue_[i + 1].sent_index.value_or(sent_);
    }
    failure = PipelineFailure{index, *pending.sql, std::move(message), std::move(sqlstate)};
  };
  auto lost = [&] {
    return PipelineFailure{.sent_index = sent_,
                           .sql = {},
                           .message = "connection lost: " + trimmed(PQerrorMessage(connection_)),
                           .connection_lost = true};
  };
  if (PQpipelineSync(connection_) != 1) return lost();
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    // Each request's results end with a null; a null first means the connection is gone.
    PGresult* result = PQgetResult(connection_);
    if (!result) return lost();
    for (; result; result = PQgetResult(connection_)) {
      switch (PQresultStatus(result)) {
        case PGRES_FATAL_ERROR: {
          const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
          fail(i, trimmed(PQresultErrorMessage(result)), state ? state : "");
          break;
        }
        case PGRES_COPY_OUT: {
          // COPY hands data over outside the pipeline: read it off and refuse the statement.
          fail(i, kNoCopy, "");
          char* data = nullptr;
          while (PQgetCopyData(connection_, &data, 0) > 0) PQfreemem(data);
          break;
        }
        case PGRES_COPY_IN:
          fail(i, kNoCopy, "");
          PQputCopyEnd(connection_, kNoCopy);  // the server aborts the COPY
          break;
        case PGRES_COPY_BOTH:  // replication connections only: nothing to recover
          PQclear(result);
          return lost();
        default:  // done, rows, or skipped after an earlier failure
          break;
      }
      PQclear(result);
    }
  }
  PGresult* sync = PQgetResult(connection_);
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced || PQstatus(connection_) == CONNECTION_BAD) return lost();
  return failure;
}

}  // namespace massmigration::postgres::internal
