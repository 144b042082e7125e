#!/usr/bin/env bash
# Smoke-runs the server image the way deploy/k8s runs it: `podman run` as uid 10001 with a read-only root filesystem,
# writable /data and /tmp only, every capability dropped, required auth with the key-hashing secret and the bootstrap
# admin key mounted read-only from files. It waits for /health/ready, runs the image's HEALTHCHECK, checks the root
# filesystem refuses writes, ingests one corpus PDF over HTTP and asks one question, checking the cited answer.
#
#   deploy/smoke-image.sh [IMAGE]        default localhost/agentrag:dev (deploy/build-image.sh); as root
#
# Prints each step with its time; exit 0 when every check passed, 1 when one failed, 2 on a missing prerequisite.
# Uses podman with buildah's storage (vfs) and runc, host networking on a free loopback port; leaves nothing running.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image=${1:-localhost/agentrag:dev}
corpus="$root/../shared/corpus"
document=fhs-3.0.pdf
question="Under FHS 3.0, where should a daemon such as crond write its PID file, and how should that file be named?"
expected_text=/run/crond.pid
expected_page=21

[ "$(id -u)" = 0 ] || { echo "smoke-image.sh: run as root (rootful podman over buildah's storage)." >&2; exit 2; }
[ -f "$corpus/$document" ] || { echo "smoke-image.sh: $corpus/$document is missing (../shared/corpus)." >&2; exit 2; }
for tool in podman runc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "smoke-image.sh: installing podman and runc…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >/dev/null || { echo "smoke-image.sh: apt-get install podman runc failed." >&2; exit 2; }
  fi
done
for tool in curl node; do command -v "$tool" >/dev/null 2>&1 || { echo "smoke-image.sh: '$tool' is missing." >&2; exit 2; }; done

started=$(date +%s.%N)
step() { printf '[%6.1f s] %s\n' "$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$*"; }
fail() { step "FAIL: $*"; echo "--- server log (last 40 lines) ---"; podman "${storage[@]}" logs --tail 40 "$name" 2>&1 || true; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/agentrag-smoke.XXXXXX")
name="agentrag-smoke-$$"
# This machine's container setup: runc (crun fails in this sandbox) and explicit ulimits, in a config of our own.
cat > "$work/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF="$work/containers.conf"
storage=(--storage-driver vfs)
cleanup() {
  podman "${storage[@]}" rm -f "$name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/data" "$work/tmp" "$work/secrets"
chown 10001:10001 "$work/data" "$work/tmp"
chmod 0700 "$work/data" "$work/tmp"
key="ark_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/secrets/key-secret"
printf '%s\n' "$key" > "$work/secrets/bootstrap-admin-key"
chown -R 10001:10001 "$work/secrets"
chmod 0400 "$work/secrets/"*

port=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  candidate=$((20000 + RANDOM % 40000))
  (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null && continue
  port=$candidate; break
done
[ -n "$port" ] || { echo "smoke-image.sh: no free port." >&2; exit 2; }
url="http://127.0.0.1:$port"

step "image $image: $(podman "${storage[@]}" image inspect --format '{{.Config.User}} user, {{len .RootFS.Layers}} layers, {{.Size}} bytes' "$image")"
podman "${storage[@]}" run -d --name "$name" --network host --read-only --user 10001:10001 \
  --cap-drop ALL --security-opt no-new-privileges \
  -v "$work/data:/data" -v "$work/tmp:/tmp" -v "$work/secrets:/var/run/secrets/agentrag:ro" \
  -e AgentRag__Auth__KeySecretFile=/var/run/secrets/agentrag/key-secret \
  -e AgentRag__Auth__BootstrapKeyFile=/var/run/secrets/agentrag/bootstrap-admin-key \
  "$image" serve --urls "$url" --data /data --auth required >"$work/run.log" 2>&1 || { cat "$work/run.log"; fail "podman run failed"; }
step "container started (podman run --read-only --user 10001:10001 --cap-drop ALL, listening on $url)"

ready=""
for _ in $(seq 1 240); do
  if curl -fsS -o /dev/null "$url/health/ready" 2>/dev/null; then ready=1; break; fi
  [ "$(podman "${storage[@]}" inspect --format '{{.State.Running}}' "$name")" = true ] || fail "the server exited before it was ready"
  sleep 0.5
done
[ -n "$ready" ] || fail "/health/ready did not answer 200 within 120 s"
step "/health/ready: $(curl -fsS "$url/health/ready")"

uid=$(podman "${storage[@]}" exec "$name" id -u)
[ "$uid" = 10001 ] || fail "the process runs as uid $uid, not 10001"
if podman "${storage[@]}" exec "$name" sh -c 'touch /app/written 2>/dev/null || touch /written 2>/dev/null'; then
  fail "the root filesystem accepted a write"
fi
step "runs as uid $uid; writes to / and /app are refused (read-only root); /data holds: $(ls "$work/data" | tr '\n' ' ')"
# podman runs HEALTHCHECKs through systemd timers, which this machine lacks: run the image's check command inside the
# container instead (it names port 8080; this run listens on $port).
healthcheck=$(podman "${storage[@]}" image inspect --format '{{join .Config.Healthcheck.Test " "}}' "$image")
podman "${storage[@]}" exec "$name" curl -fsS -o /dev/null "$url/health/live" || fail "the HEALTHCHECK's command failed in the container"
step "HEALTHCHECK '$healthcheck' passes inside the container (on port $port)"

status=$(curl -sS -o /dev/null -w '%{http_code}' "$url/v1/documents")
[ "$status" = 401 ] || fail "an unauthenticated request got $status, not 401"
step "unauthenticated GET /v1/documents: 401 (Auth:Mode=Required)"

upload=$(curl -fsS -H "Authorization: Bearer $key" -F "files=@$corpus/$document" "$url/v1/documents") || fail "upload refused"
id=$(node -e 'const r = JSON.parse(process.argv[1]); const d = Array.isArray(r) ? r[0] : (r.documents ?? r.items ?? [r])[0]; console.log(d.id)' "$upload")
step "uploaded $document as $id"
state=""
for _ in $(seq 1 600); do
  state=$(curl -fsS -H "Authorization: Bearer $key" "$url/v1/documents/$id" | node -e 'let s = ""; process.stdin.on("data", c => s += c).on("end", () => { const d = JSON.parse(s); console.log(`${String(d.status).toLowerCase()} ${d.pageCount ?? ""}`); })')
  case "$state" in ready*) break ;; failed*) fail "ingestion failed: $state" ;; esac
  sleep 0.5
done
case "$state" in ready*) ;; *) fail "the document is '$state' after 300 s" ;; esac
step "ingested: $state (pages)"

answer=$(curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -H 'Accept: application/json' \
  --data "$(node -e 'console.log(JSON.stringify({ query: process.argv[1] }))' "$question")" "$url/v1/queries") || fail "the query was refused"
summary=$(node -e '
  const [json, text, page] = [process.argv[1], process.argv[2], Number(process.argv[3])];
  const r = JSON.parse(json);
  const first = r.citations?.[0];
  console.log(JSON.stringify({ status: r.status, answer: r.answer,
    firstCitation: first && { document: first.documentName, page: first.page, display: first.display } }));
  // pdftotext breaks the line inside the path ("/run/ crond.pid"): compare without whitespace.
  const answer = (r.answer ?? "").replace(/\s+/g, "");
  process.exit(answer.includes(text) && first?.documentName === "fhs-3.0.pdf" && first.page === page ? 0 : 1);
' "$answer" "$expected_text" "$expected_page") || fail "the answer does not contain $expected_text with a first citation on page $expected_page: $answer"
step "asked: $question"
step "answer: $summary"
step "PASS: image $image served /health/ready, ingested $document and answered with a citation of page $expected_page, as uid 10001 on a read-only root"
