#include "console/templates.h"

namespace massmigration::web::internal {
namespace {

// One migration on one database: its status, and for a mapper its progress. console.js finds
// cells by data-key and data-alias and updates them from /api/status.
#define MASSMIGRATION_CONSOLE_CELL                              \
  R"(<span class="badge status-{{class}}">{{status}}</span>)"   \
  R"(<span class="progress"{{^progress}} hidden{{/progress}}>)" \
  R"(<progress max="{{total}}" value="{{done}}"></progress> )"  \
  R"(<span class="figures">{{figures}}</span></span> )"         \
  R"(<span class="eta">{{eta}}</span>)"

}  // namespace

const std::string_view kLayoutTemplate = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · massmigration</title>
<link rel="icon" href="{{prefix}}/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{{prefix}}/static/console.css">
<script src="{{prefix}}/static/console.js" defer></script>
</head>
<body data-prefix="{{prefix}}" data-refresh-ms="{{refresh_ms}}" data-live="{{live}}">
<header class="top">
<a class="brand" href="{{prefix}}/">massmigration</a>
{{#has_user}}<span class="user">{{user}}</span>{{/has_user}}
{{#can_log_out}}<form method="post" action="{{prefix}}/logout" class="inline">
<input type="hidden" name="csrf_token" value="{{csrf_token}}">
<button type="submit" class="link">Log out</button>
</form>{{/can_log_out}}
</header>
<main>
{{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
{{{content}}}
</main>
</body>
</html>
)";

const std::string_view kIndexTemplate = R"(<h1>Migrations</h1>
<form class="filters" method="get" action="{{prefix}}/">
<label>App <select name="app"><option value="">all</option>{{#apps}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/apps}}</select></label>
<label>Database <select name="database"><option value="">all</option>{{#database_options}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/database_options}}</select></label>
<button type="submit">Filter</button>
</form>
<ul class="counts">{{#counts}}<li><span class="badge status-{{class}}">{{status}}</span> <span class="count" data-status="{{status}}">{{count}}</span></li>{{/counts}}</ul>
{{#database_errors}}<p class="problem">Cannot read the records of {{alias}}: {{error}}</p>{{/database_errors}}
<table class="grid">
<thead><tr><th scope="col">Migration</th>{{#aliases}}<th scope="col">{{.}}</th>{{/aliases}}</tr></thead>
<tbody>
{{{rows_html}}}</tbody>
</table>
{{^has_rows}}<p>No migrations.</p>{{/has_rows}}
)";

// A row of the index, rendered alone for each migration: a page of many rows is built
// without copying every row's values into one tree.
const std::string_view kIndexRowTemplate =
    R"(<tr><th scope="row"><a href="{{prefix}}/migrations/{{key}}">{{key}}</a><div class="description">{{description}}</div></th>{{#cells}}<td class="cell" data-key="{{key}}" data-alias="{{alias}}">)" MASSMIGRATION_CONSOLE_CELL
    R"(</td>{{/cells}}</tr>
)";

const std::string_view kDetailTemplate = R"(<p><a href="{{prefix}}/">All migrations</a></p>
<h1>{{key}}</h1>
<p class="description">{{description}}</p>
<dl class="facts"><dt>Type</dt><dd>{{type}}</dd><dt>Backend</dt><dd>{{backend}}</dd>{{#params}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/params}}</dl>
<h2>Dependencies</h2>
{{#has_dependencies}}<table class="grid">
<thead><tr><th scope="col">Migration</th>{{#aliases}}<th scope="col">{{.}}</th>{{/aliases}}</tr></thead>
<tbody>{{#dependencies}}<tr><th scope="row"><a href="{{prefix}}/migrations/{{key}}">{{key}}</a></th>{{#cells}}<td><span class="badge status-{{class}}">{{status}}</span></td>{{/cells}}</tr>{{/dependencies}}</tbody>
</table>{{/has_dependencies}}
{{^has_dependencies}}<p>None.</p>{{/has_dependencies}}
{{#databases}}<section class="database">
<h2>{{alias}}</h2>
<div class="cell" data-key="{{key}}" data-alias="{{alias}}">)" MASSMIGRATION_CONSOLE_CELL R"(</div>
{{#problem}}<p class="problem">{{problem}}</p>{{/problem}}
{{#record}}<dl class="record"><dt>Attempt</dt><dd>{{attempt}}</dd><dt>Owner</dt><dd>{{owner}}</dd><dt>Started</dt><dd>{{started}}</dd><dt>Heartbeat</dt><dd>{{heartbeat}}</dd><dt>Applied</dt><dd>{{applied}}</dd><dt>Faked</dt><dd>{{faked}}</dd><dt>Rows</dt><dd>{{rows}}</dd></dl>{{/record}}
{{#last_error}}<h3>Last error</h3><pre class="error">{{last_error}}</pre>{{/last_error}}
{{#allowed}}<div class="actions">{{#actions}}{{#enabled}}{{#confirm}}<a class="button" href="{{prefix}}/migrations/{{key}}/{{alias}}/{{name}}">{{label}}…</a>{{/confirm}}{{^confirm}}<form method="post" action="{{prefix}}/migrations/{{key}}/{{alias}}/{{name}}" class="inline"><input type="hidden" name="csrf_token" value="{{csrf_token}}"><button type="submit" name="action" value="{{name}}">{{label}}</button></form>{{/confirm}}{{/enabled}}{{^enabled}}<button type="button" disabled title="{{reason}}">{{label}}</button>{{/enabled}} {{/actions}}</div>{{/allowed}}{{^allowed}}<p class="description">It may not run on this database.</p>{{/allowed}}
</section>
{{/databases}}
<h2>Audit trail</h2>
<table class="trail">
<thead><tr><th scope="col">At</th><th scope="col">Database</th><th scope="col">Action</th><th scope="col">By</th><th scope="col">Attempt</th><th scope="col">Detail</th></tr></thead>
<tbody>{{#events}}<tr><td>{{at}}</td><td>{{alias}}</td><td>{{action}}</td><td>{{actor}}</td><td>{{attempt}}</td><td>{{detail}}</td></tr>
{{/events}}</tbody>
</table>
{{^events}}<p>Nothing yet.</p>{{/events}}
{{#trail_errors}}<p class="problem">Cannot read the audit trail of {{alias}}: {{error}}</p>{{/trail_errors}}
)";

const std::string_view kConfirmTemplate = R"(<h1>{{label}} {{key}} on {{alias}}?</h1>
<p>{{consequence}}</p>
<p>It is <span class="badge status-{{class}}">{{status}}</span> now.</p>
<form method="post" action="{{prefix}}/migrations/{{key}}/{{alias}}/{{name}}">
<input type="hidden" name="csrf_token" value="{{csrf_token}}">
<input type="hidden" name="confirmed" value="yes">
<button type="submit" class="danger">{{label}}</button>
<a href="{{prefix}}/migrations/{{key}}">Keep it as it is</a>
</form>
)";

const std::string_view kLoginTemplate = R"(<h1>Log in</h1>
{{#error}}<p class="problem" role="alert">{{error}}</p>{{/error}}
<form method="post" action="{{prefix}}/login" class="login">
<label>User name <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>
)";

const std::string_view kProblemTemplate = R"(<h1>{{heading}}</h1>
<p class="problem">{{message}}</p>
<p><a href="{{prefix}}/">All migrations</a></p>
)";

#undef MASSMIGRATION_CONSOLE_CELL

}  // namespace massmigration::web::internal
