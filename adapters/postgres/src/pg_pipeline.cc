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
  if (!in_pipeline_mode_) {
    if (PQtransactionStatus(connection_) != PQTRANS_INTRANS) {
      return PipelineFailure{sent_, std::string(sql), "the connection is not idle in a transaction"};
    }
    if (PQenterPipelineMode(connection_) != 1) {
      return PipelineFailure{sent_, std::string(sql), trimmed(PQerrorMessage(connection_))};
    }
    in_pipeline_mode_ = true;
  }
  const auto& [text, name] = prepared(sql);
  if (PQsendQueryPrepared(connection_, name.c_str(), static_cast<int>(params.size()),
                          params.data(), nullptr, nullptr, 0) != 1) {
    std::optional<PipelineFailure> earlier = wait();
    if (earlier) return earlier;
    return PipelineFailure{sent_, std::string(sql), trimmed(PQerrorMessage(connection_))};
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
  auto lost = [&](const Pending& pending) {
    return PipelineFailure{pending.sent_index.value_or(sent_), *pending.sql,
                           "connection lost: " + trimmed(PQerrorMessage(connection_))};
  };
  if (PQpipelineSync(connection_) != 1) return lost(queue_.front());
  std::optional<PipelineFailure> failure;
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    const Pending& pending = queue_[i];
    PGresult* result = PQgetResult(connection_);
    if (!result) return failure ? failure : lost(pending);
    if (PQresultStatus(result) == PGRES_FATAL_ERROR && !failure) {
      // A preparation is queued just before the send that needed it, which gets the blame.
      std::uint64_t index = pending.sent_index.value_or(sent_);
      if (!pending.sent_index && i + 1 < queue_.size()) index = *queue_[i + 1].sent_index;
      const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
      failure = PipelineFailure{index, *pending.sql, trimmed(PQresultErrorMessage(result)),
                                state ? state : ""};
    }
    PQclear(result);
    // Each request's results end with a null.
    while ((result = PQgetResult(connection_)) != nullptr) PQclear(result);
  }
  PGresult* sync = PQgetResult(connection_);
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced && !failure) return lost(queue_.back());
  return failure;
}

}  // namespace massmigration::postgres::internal
