#!/usr/bin/env bash
# Builds the solution and runs every test project. The last line is the total over all projects:
#   N passed, N failed, N skipped
# Exits non-zero when any test failed or a test run did not complete.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

# --- prerequisites -------------------------------------------------------------------------------
apt_updated=0
ensure_tool() { # ensure_tool <command> <debian package> <required|optional>
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null && apt_updated=1; fi
    echo "test.sh: installing $2…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null && command -v "$1" >/dev/null 2>&1 && return 0
  fi
  if [ "$3" = required ]; then
    echo "test.sh: '$1' is missing. Install it first: sudo apt-get install $2" >&2
    exit 2
  fi
  echo "test.sh: '$1' is missing ($2); tests that need it run their no-$1 path." >&2
}
command -v dotnet >/dev/null 2>&1 || { echo "test.sh: the .NET 10 SDK is required (dotnet not on PATH)." >&2; exit 2; }
ensure_tool pdftotext poppler-utils required
ensure_tool tesseract tesseract-ocr optional
ensure_tool node nodejs required
ensure_tool npm npm required
# PDFs drawn by tests with PDFsharp use DejaVu Sans (tests/AgentRag.TestKit/TestPdfs.cs).
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null && apt_updated=1; fi
    echo "test.sh: installing fonts-dejavu-core…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null
  fi
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || { echo "test.sh: DejaVu Sans is missing. Install it first: sudo apt-get install fonts-dejavu-core" >&2; exit 2; }
fi
# The web console's browser tests drive Debian's Chromium through Playwright (never Playwright's own browser download).
ensure_tool chromium chromium required

# The Node clients the tests run, pinned by their lock files: the OpenAPI client test's tools (openapi-typescript,
# openapi-fetch, TypeScript, @redocly/cli) and the MCP client test's official TypeScript SDK (@modelcontextprotocol/sdk).
for folder in tests/openapi-client tests/mcp-client; do
  if ! (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    echo "test.sh: npm ci failed in $folder."
    echo "0 passed, 1 failed"
    exit 1
  fi
done

# --- deployment checks (issue 25) ------------------------------------------------------------------------------------
# AgentRag.Deploy.Tests lints deploy/Dockerfile with dockerfilelint and renders deploy/k8s with `kubectl kustomize`,
# validating every object with deploy/tools/validate.mjs: their npm packages are pinned by deploy/tools' lock file.
# kubectl 1.32 (Kustomize 5.5) comes with the machine image; Debian's kubernetes-client (1.20, Kustomize 2) cannot render
# the overlays (components, labels) and no other source is reachable, so a machine without kubectl fails those tests
# with a message naming it (docs/adr/0035-container-image-and-kubernetes-manifests.md).
if ! (cd deploy/tools && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
  echo "test.sh: npm ci failed in deploy/tools."
  echo "0 passed, 1 failed"
  exit 1
fi
command -v kubectl >/dev/null 2>&1 \
  || echo "test.sh: kubectl is missing: AgentRag.Deploy.Tests' manifest tests will fail (it comes with the machine image)." >&2

# --- throwaway services: PostgreSQL and Redis -------------------------------------------------------
# Each runs from a temporary folder on a free loopback port, with no durability (test data only), and is stopped and
# deleted when this script ends, however it ends (one trap for both), so no server is left running.
free_port() { # prints a loopback port nobody listens on now
  local port attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue # taken
    echo "$port"
    return 0
  done
  return 1
}
stop_services() {
  stop_redis
  stop_postgres
}
stop_redis() { :; }
stop_postgres() { :; }
trap stop_services EXIT
trap 'exit 130' INT TERM

# --- a throwaway PostgreSQL for the PostgreSQL storage tests ----------------------------------------
# Debian's PostgreSQL 15, initialised in a temporary folder, fsync off. The tests get its connection string in
# AGENTRAG_TEST_POSTGRES; each test class creates its own database in it.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null && apt_updated=1; fi
  echo "test.sh: installing postgresql-15…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  # The package creates a default cluster and, where an init system runs, starts it: this script uses its own only.
  if command -v pg_ctlcluster >/dev/null 2>&1; then pg_ctlcluster 15 main stop >/dev/null 2>&1 || true; fi
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$pg_bin" ]; then
  echo "test.sh: PostgreSQL is missing. Install it first: sudo apt-get install postgresql-15" >&2
  exit 2
fi
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/agentrag-pg.XXXXXX")
pg_run=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$pg_dir"
  pg_run=(runuser -u postgres --)
fi
stop_postgres() {
  if [ -f "$pg_dir/data/postmaster.pid" ]; then
    "${pg_run[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$pg_dir"
}
pg_started=$(date +%s)
if ! "${pg_run[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$pg_dir/initdb.log" 2>&1; then
  cat "$pg_dir/initdb.log" >&2
  echo "test.sh: initdb failed."
  echo "0 passed, 1 failed"
  exit 1
fi
pg_port=""
for attempt in 1 2 3 4 5; do
  port=$(free_port) || continue
  if "${pg_run[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 start \
      -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null; then
    pg_port=$port
    break
  fi
done
if [ -z "$pg_port" ]; then
  cat "$pg_dir/server.log" >&2
  echo "test.sh: PostgreSQL did not start."
  echo "0 passed, 1 failed"
  exit 1
fi
export AGENTRAG_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
echo "test.sh: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (started in $(( $(date +%s) - pg_started )) s)." >&2

# --- a throwaway Redis for the Orleans cluster tests -------------------------------------------------
# Debian's Redis 7 (the cluster's membership, grain directory and reminders), no RDB or AOF. The tests get its address
# in AGENTRAG_TEST_REDIS; each test's cluster uses its own cluster and service ids, so tests never share keys.
if ! command -v redis-server >/dev/null 2>&1; then
  ensure_tool redis-server redis-server required
  # The package starts a default server where an init system runs: this script uses its own only.
  if command -v service >/dev/null 2>&1; then service redis-server stop >/dev/null 2>&1 || true; fi
fi
redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/agentrag-redis.XXXXXX")
stop_redis() {
  if [ -f "$redis_dir/redis.pid" ]; then
    kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -f "$redis_dir/redis.pid" ] || break; sleep 0.2; done
  fi
  rm -rf "$redis_dir"
}
redis_port=""
for attempt in 1 2 3 4 5; do
  port=$(free_port) || continue
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir" \
    --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" >/dev/null 2>&1 || continue
  for _ in $(seq 1 50); do
    [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && { redis_port=$port; break; }
    sleep 0.1
  done
  [ -n "$redis_port" ] && break
done
if [ -z "$redis_port" ]; then
  cat "$redis_dir/redis.log" >&2 2>/dev/null
  echo "test.sh: Redis did not start."
  echo "0 passed, 1 failed"
  exit 1
fi
export AGENTRAG_TEST_REDIS="127.0.0.1:$redis_port"
echo "test.sh: Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on 127.0.0.1:$redis_port." >&2
# --- Prometheus for the /metrics scrape test (i23a) ---------------------------------------------------
# The test starts its own Prometheus (a temp folder, a free loopback port, a generated config) and kills it when it
# ends; only the binary is needed here. Debian's package starts a default server where an init system runs: stop it.
if ! command -v prometheus >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null && apt_updated=1; fi
  echo "test.sh: installing prometheus…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if command -v service >/dev/null 2>&1; then service prometheus stop >/dev/null 2>&1 || true; fi
fi
command -v prometheus >/dev/null 2>&1 || echo "test.sh: 'prometheus' is missing; the Prometheus scrape test fails in CI without it." >&2
export CI=true

# --- build and test ------------------------------------------------------------------------------
results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build AgentRag.slnx -c Release --nologo -v quiet -clp:NoSummary; then
  echo "test.sh: build failed."
  echo "0 passed, 1 failed"
  exit 1
fi

# One results folder per project, so every project's report is counted exactly once.
projects=$(find tests -name '*.Tests.csproj' | sort)
test_exit=0
for project in $projects; do
  name=$(basename "$project" .csproj)
  started=$(date +%s)
  dotnet test "$project" -c Release --no-build --nologo --logger "trx" --results-directory "$results/$name" \
    -- RunConfiguration.TestSessionTimeout=3000000 || test_exit=$?
  echo "test.sh: $name took $(( $(date +%s) - started )) s." >&2
done

# --- one summary line over all projects ------------------------------------------------------------
passed=0 failed=0 skipped=0 reports=0
for trx in "$results"/*/*.trx; do
  [ -f "$trx" ] || continue
  reports=$((reports + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done
expected=$(echo "$projects" | grep -c . || true)
if [ "$reports" -lt "$expected" ]; then
  echo "test.sh: only $reports of $expected test projects produced results (a test host crashed?)." >&2
  failed=$((failed + expected - reports))
fi
if [ "$test_exit" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: dotnet test exited $test_exit." >&2
  failed=1
fi
# --- the cluster suite's time -----------------------------------------------------------------------
# The PostgreSQL (cluster) tests are the classes named Postgres*Tests in every project. Their time is the union of the
# intervals in which at least one of them ran (classes run in parallel with each other and with the rest), plus the sum
# of their own durations; the issue's budget for the union is 5 minutes.
cat "$results"/*/*.trx 2>/dev/null | grep -o '<UnitTestResult [^>]*>' | grep -E 'testName="[^"]*\.Postgres[A-Za-z]*Tests\.' \
  | sed -n 's/.* duration="\([0-9:.]*\)".* startTime="\([^"]*\)" endTime="\([^"]*\)".*/\1 \2 \3/p' \
  | awk '
      function seconds(t,   d, c) { # 2026-12-07T12:27:36.2732958+00:00 (UTC, as dotnet test writes it)
        d = substr(t, 1, 10); c = substr(t, 12, 8); gsub(/-/, " ", d); gsub(/:/, " ", c)
        return mktime(d " " c) + ("0" substr(t, 20, 8)) }
      function span(t,   p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
      { n++; total += span($1); start[n] = seconds($2); end[n] = seconds($3) }
      END {
        if (n == 0) { print "test.sh: no PostgreSQL (cluster) test ran." > "/dev/stderr"; exit }
        for (i = 2; i <= n; i++) for (j = i; j > 1 && start[j] < start[j-1]; j--) { # insertion sort by start
          t = start[j]; start[j] = start[j-1]; start[j-1] = t; t = end[j]; end[j] = end[j-1]; end[j-1] = t }
        s = start[1]; e = end[1]
        for (i = 2; i <= n; i++) { if (start[i] > e) { wall += e - s; s = start[i]; e = end[i] } else if (end[i] > e) e = end[i] }
        wall += e - s
        printf "test.sh: PostgreSQL (cluster) suite: %d tests, %.0f s while any ran (budget 300 s), %.0f s summed.\n", n, wall, total > "/dev/stderr"
        if (wall > 300) print "test.sh: the cluster suite took over its 5-minute budget." > "/dev/stderr"
      }'

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
