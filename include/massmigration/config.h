// Configuration: which databases exist (alias -> URL), where apps are routed, which backend
// runs migrations by default. Build a Config in code or read it from TOML, then install it
// process-wide with configure().
//
//   [databases]                # alias = URL
//   default = "sqlite:///var/lib/shop/default.db"
//   blog_db = "sqlite:data/blog.db"     # relative: to the TOML file's directory
//   [routing]                  # app_label = alias
//   blog = "blog_db"
//   [backend]
//   default = "threads"
//   [records]
//   cache_ttl_ms = 1000
//   [guards]
//   not_applied_recheck_ms = 5
//   [runs]
//   lease_seconds = 30
//   pause_between_chunks_ms = 0  # unset: SQLite shares the file in slices
//   [console]                  # the user of `manage serve`
//   username = "admin"
//   password_hash = "$argon2id$v=19$..."  # from `manage console-password`
//   secure_cookie = true       # behind a TLS-terminating proxy
//   client_address_header = "X-Forwarded-For"  # behind a proxy: who the client is
//   allowed_hosts = ["migrations.example.com"]  # the Host names it answers to
//
// SQLite URLs: "sqlite:///absolute/path.db", or "sqlite:relative/path.db", resolved against
// the directory of the TOML file it came from, or against the current directory at
// configure() for a Config built in code. Query options: "?busy_timeout_ms=N" (default 5000),
// how long a locked database is waited for before the store gives up.
//
// Thread safety: configure() may race with guards and launches; each of them sees either the
// old configuration or the new one, never a mix.
#ifndef MASSMIGRATION_CONFIG_H_
#define MASSMIGRATION_CONFIG_H_

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace massmigration {

// The web console's own login (`manage serve`): one user, its password kept only as an
// argon2id hash.
struct ConsoleLogin {
  std::string username;
  std::string password_hash;  // "$argon2id$v=19$m=...,t=...,p=...$salt$hash"
  // Mark the session cookie Secure: the browser sends it over HTTPS only, and forms are
  // accepted only from https:// pages. For a console behind a proxy that terminates TLS.
  bool secure_cookie = false;
  // Behind a reverse proxy: the request header that names the client (its last entry, e.g.
  // "X-Forwarded-For"), so that failed logins count per client, not all against the proxy.
  // Empty: the peer's address.
  std::string client_address_header{};
  // The names the console answers to (web::ConsoleOptions::allowed_hosts); empty: any.
  std::vector<std::string> allowed_hosts{};
};

struct Config {
  std::map<std::string, std::string> databases;  // alias -> URL
  std::map<std::string, std::string> routing;    // app_label -> alias
  std::string default_backend = "inline";
  // How long a running mapper trusts a record it read before re-reading it (TOML:
  // [records] cache_ttl_ms). Changes made in this process are seen at once.
  std::chrono::milliseconds record_cache_ttl{1000};
  // How long a guard trusts a "not applied" answer before asking the database again (TOML:
  // [guards] not_applied_recheck_ms; 0 = ask on every call, sharing only concurrent queries).
  // The trade-off: a migration applied elsewhere may still be refused for this long, and a hot
  // refused guard sends about one query per interval instead of nearly one per call.
  std::chrono::milliseconds guard_not_applied_recheck{5};
  // A run whose heartbeat is older than this is STALLED: its process died or hangs, and it may
  // be resumed (TOML: [runs] lease_seconds, a number above 0). A run writes its heartbeat at
  // least every lease / 3, by the database's clock.
  std::chrono::milliseconds run_lease{30000};
  // How long a mapper waits after each chunk: room for the application's own writers (TOML:
  // [runs] pause_between_chunks_ms). Unset, each engine decides: none on PostgreSQL; on SQLite,
  // where one writer at a time holds the file, a run works in slices of about 30 ms of chunks
  // and then leaves the file free for 15 ms, so that another process's write, waiting with
  // SQLite's own busy handler, gets in within about 33 ms (a chunk longer than a slice shrinks
  // by /1.2 per chunk). That costs a mapper whose time all goes into writing about a third of
  // its speed; 0 turns it off.
  std::optional<std::chrono::milliseconds> pause_between_chunks{};
  // TOML [console]: who may log in to `manage serve`; unset, it refuses to start.
  std::optional<ConsoleLogin> console{};
  // Where relative database paths are resolved; empty means the current directory.
  std::filesystem::path base_directory;
  // Where each entry was read, for error messages: "databases.default" -> "app.toml:3".
  // Filled by from_toml_*; entries without an origin are named "databases.default".
  std::map<std::string, std::string> origins;

  // Throws ConfigError naming the file and line of a malformed, unknown or mistyped entry.
  static Config from_toml_file(const std::filesystem::path& path);
  // `source_name` names the text in errors.
  static Config from_toml_string(std::string_view toml, std::string_view source_name = "<string>");
};

// Validates `config` (URL schemes known, aliases and app labels well formed, routing targets
// configured) and the migration registry against it (no duplicate or malformed keys; every
// allowed_db_aliases entry configured), then installs it. Opens no database: stores connect on
// first use. Throws ConfigError naming the entry at fault, leaving the previous configuration
// in place. Resets the guards' cache.
void configure(const Config& config);

// The installed configuration; throws MigrationError if configure() was never called.
Config current_config();

// configure() has installed a configuration.
bool is_configured();

}  // namespace massmigration

#endif  // MASSMIGRATION_CONFIG_H_
