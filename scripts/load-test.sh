#!/usr/bin/env bash
# The bounded load test (`make load`): gunicorn and PostgreSQL on loopback, LOAD_USERS simulated
# users (default 50: half staff browsing the assignment list, half respondents answering surveys,
# see tests/load/locustfile.py) for LOAD_SECONDS, then it stops by itself and prints p95 per request.
#
#   scripts/load-test.sh            (LOAD_SECONDS=60 by default)
#
# Steps: a fresh database LOAD_DATABASE_URL (default .../rekrytering_ops_load, dropped and created;
# the name must start with rekrytering_ops), migrate, load_demo and LOAD_TOKENS open survey links
# (tests/load/prepare.py); gunicorn on 127.0.0.1 and a free port (development settings,
# DEBUG=False, LOAD_WORKERS gthread workers with LOAD_THREADS threads each); locust headless with
# -u LOAD_USERS -r LOAD_SPAWN_RATE -t LOAD_SECONDS. gunicorn is stopped however the script ends.
# Results in LOAD_OUT (default ./tmp/load): summary.csv and p95.md (final figures, and what the
# cores did meanwhile: gunicorn, PostgreSQL, locust, anything else), locust_*.csv, logs.
# Exit status: 0 only if every request succeeded (and was checked, see the locustfile).
# LOAD_WARMUP (15): the "steady" figures leave out the first seconds (start-up and the logins).
# LOAD_DROP_DB=1 drops the database afterwards; by default it stays for a look.
set -euo pipefail
export LC_ALL=C.UTF-8

cd "$(dirname "$0")/.."
root="$(pwd)"
bin="$root/.venv/bin"

fail() {
  echo "load-test: $*" >&2
  exit 2
}

# CPU seconds: of the machine's cores while busy (/proc/stat), of running processes (their
# /proc/<pid>/stat), and of the children this shell has waited for (bash's `times`).
ticks_per_second="$(getconf CLK_TCK 2>/dev/null || echo 100)"
busy_seconds() {
  awk -v hz="$ticks_per_second" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}
process_seconds() {
  local pid ticks=0 fields
  for pid in "$@"; do
    fields="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null)" || continue
    read -r -a fields <<<"$fields"
    ticks=$((ticks + fields[11] + fields[12]))
  done
  awk -v t="$ticks" -v hz="$ticks_per_second" 'BEGIN { printf "%.2f\n", t / hz }'
}
postgres_pids() {  # the server processes of this run's database connections
  psql -XqAt -d "$maint_url" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$db'" 2>/dev/null || true
}
# Into $children: run in this shell, not in $(...), whose subshell has waited for no children.
children_seconds() {
  times >"$out/times.txt"
  children="$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] }
    printf "%.2f\n", n }' "$out/times.txt")"
}

seconds="${LOAD_SECONDS:-60}"
users="${LOAD_USERS:-50}"
spawn_rate="${LOAD_SPAWN_RATE:-10}"
workers="${LOAD_WORKERS:-4}"
threads="${LOAD_THREADS:-4}"
public_workers="${LOAD_PUBLIC_WORKERS:-2}"
public_threads="${LOAD_PUBLIC_THREADS:-4}"
out="${LOAD_OUT:-$root/tmp/load}"
db_url="${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rekrytering_ops_load}"
for number in "$seconds" "$users" "$spawn_rate" "$workers" "$threads" "$public_threads"; do
  [[ "$number" =~ ^[1-9][0-9]*$ ]] || fail "inte ett positivt heltal: $number"
done
[[ "$public_workers" =~ ^[0-9]+$ ]] || fail "LOAD_PUBLIC_WORKERS ska vara ett heltal: $public_workers"
# A respondent uses at most one link every two seconds or so; the default leaves a wide margin.
tokens="${LOAD_TOKENS:-$((seconds * users > 3000 ? seconds * users : 3000))}"

case "$db_url" in
  postgres://* | postgresql://*) ;;
  *) fail "LOAD_DATABASE_URL ska vara PostgreSQL" ;;
esac
pg_url="postgresql://${db_url#*://}"
base="${pg_url%%\?*}"
params="${pg_url#"$base"}"
db="${base##*/}"
maint_url="${base%/*}/postgres$params"
# The database is dropped and created: never one that is not a scratch one.
[[ "$db" == rekrytering_ops* ]] || fail "databasens namn måste börja med rekrytering_ops (nu: $db)"
for tool in "$bin/python" "$bin/gunicorn" "$bin/locust"; do
  [[ -x "$tool" ]] || fail "$tool saknas: kör make install"
done
command -v psql >/dev/null || fail "psql saknas"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -f "$out"/locust_*.csv "$out"/summary.csv "$out"/p95.md "$out"/gunicorn*.log "$out"/locust.log "$out"/data.json \
  "$out"/times.txt

gunicorn_pid=""
cleanup() {
  set +e
  if [[ -n "$gunicorn_pid" ]] && kill -0 "$gunicorn_pid" 2>/dev/null; then
    kill -TERM "$gunicorn_pid"
    for _ in $(seq 1 100); do kill -0 "$gunicorn_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$gunicorn_pid" 2>/dev/null
    wait "$gunicorn_pid" 2>/dev/null
    echo "gunicorn stoppad."
  fi
  if [[ -n "$survey_pid" ]] && kill -0 "$survey_pid" 2>/dev/null; then
    kill -TERM "$survey_pid"
    for _ in $(seq 1 100); do kill -0 "$survey_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$survey_pid" 2>/dev/null
    wait "$survey_pid" 2>/dev/null
  fi
  if [[ "${LOAD_DROP_DB:-0}" == 1 ]]; then
    psql -XqAt -d "$maint_url" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null \
      && echo "Raderade databasen $db."
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The app's settings for the whole run: development settings (DJANGO_ENV stays development, also
# against a .env file), DEBUG off, loopback only, no broker, no e-mail, and a survey rate limit
# far above what 50 users from the one address 127.0.0.1 make. The same SECRET_KEY for prepare
# and gunicorn, since the survey tokens are HMACs with it. The database connections are
# production's: kept DB_CONN_MAX_AGE seconds (60 for PostgreSQL unless the caller sets it, e.g.
# DB_CONN_MAX_AGE=0 to measure a new connection per request) and checked before reuse.
# (Production settings themselves would not do over plain HTTP on loopback: their cookies are
# Secure, so the staff's logins would not stick.)
export DJANGO_ENV=development
export DEBUG=False
export ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL="$db_url"
export SECRET_KEY="load-test-only-not-a-secret-0f4c2a9e7d1b"
export REDIS_URL=""
export CELERY_TASK_ALWAYS_EAGER=true
export EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
export SURVEY_RATE_LIMIT=100000/m
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
export PYTHONUNBUFFERED=1

echo "== Förbereder $db"
psql -XqAt -v ON_ERROR_STOP=1 -d "$maint_url" \
  -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\"" >/dev/null \
  || fail "kunde inte skapa $db"
"$bin/python" tests/load/prepare.py "$out/data.json" --tokens "$tokens" || fail "förberedelsen misslyckades"
# No collectstatic: the load test requests pages, not static files, and outside production
# WhiteNoise finds the files in place (WHITENOISE_USE_FINDERS).

port="$("$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
host="http://127.0.0.1:$port"
echo "== gunicorn på $host ($workers arbetsprocesser × $threads trådar, gthread)$([[ "$public_workers" -gt 0 ]] && echo "; enkätsidorna (SITE_ROLE=public) i $public_workers × $public_threads")"
# Production's gunicorn settings (rekrytering/gunicorn.py: the access log masks survey tokens), with
# the address, the processes and the log files of this run.
# --keep-alive 10: longer than any pause of the simulated users (at most 3 s). With gunicorn's
# default of 2 s the server closes an idle connection just as the client reuses it, and the
# request fails with "connection reset": a browser quietly retries that, python-requests does not.
# gunicorn's own output (Python's warnings) goes to its error log too; both append.
config=()
[[ ! -f rekrytering/gunicorn.py ]] || config=(--config python:rekrytering.gunicorn)
# shellcheck disable=SC2094
"$bin/gunicorn" "${config[@]}" rekrytering.wsgi:application \
  --bind "127.0.0.1:$port" --workers "$workers" --worker-class gthread --threads "$threads" \
  --timeout 60 --graceful-timeout 10 --keep-alive 10 \
  --access-logfile "$out/gunicorn-access.log" --error-logfile "$out/gunicorn.log" \
  >>"$out/gunicorn.log" 2>&1 &
gunicorn_pid=$!
# The public survey pages in processes of their own (SITE_ROLE=public, as in docker-compose.yml,
# where the proxy sends /enkat/ to them): the respondents' requests go there. LOAD_PUBLIC_WORKERS=0
# serves everything from the one gunicorn instead.
survey_pid=""
if [[ "$public_workers" -gt 0 ]]; then
  survey_port="$("$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  export LOAD_SURVEY_HOST="http://127.0.0.1:$survey_port"
  # shellcheck disable=SC2094
  SITE_ROLE=public "$bin/gunicorn" "${config[@]}" rekrytering.wsgi:application \
    --bind "127.0.0.1:$survey_port" --workers "$public_workers" --worker-class gthread \
    --threads "$public_threads" --timeout 60 --graceful-timeout 10 --keep-alive 10 \
    --access-logfile "$out/gunicorn-survey-access.log" --error-logfile "$out/gunicorn-survey.log" \
    >>"$out/gunicorn-survey.log" 2>&1 &
  survey_pid=$!
fi
ready=""
for _ in $(seq 1 150); do
  kill -0 "$gunicorn_pid" 2>/dev/null || break
  if curl -fsS -o /dev/null --max-time 2 "$host/accounts/login/" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.2
done
if [[ -z "$ready" ]]; then
  tail -n 30 "$out/gunicorn.log" >&2
  fail "gunicorn svarar inte på $host"
fi
if [[ -n "$survey_pid" ]]; then
  ready=""
  for _ in $(seq 1 150); do
    kill -0 "$survey_pid" 2>/dev/null || break
    if curl -fsS -o /dev/null --max-time 2 "$LOAD_SURVEY_HOST/tillganglighet/" 2>/dev/null; then
      ready=1
      break
    fi
    sleep 0.2
  done
  if [[ -z "$ready" ]]; then
    tail -n 30 "$out/gunicorn-survey.log" >&2
    fail "enkätsidornas gunicorn svarar inte på $LOAD_SURVEY_HOST"
  fi
fi

echo "== locust: $users användare (+$spawn_rate/s) i $seconds s mot $host (belastning före: $(cut -d' ' -f1-3 /proc/loadavg))"
loadavg_before="$(cut -d' ' -f1 /proc/loadavg)"
mapfile -t gunicorn_workers < <(pgrep -P "$gunicorn_pid"; [[ -z "$survey_pid" ]] || { echo "$survey_pid"; pgrep -P "$survey_pid"; })
busy_before="$(busy_seconds)"
gunicorn_before="$(process_seconds "$gunicorn_pid" "${gunicorn_workers[@]}")"
mapfile -t backends < <(postgres_pids)
postgres_before="$(process_seconds "${backends[@]}")"
children_seconds
locust_before="$children"
started="$(date +%s.%N)"
set +e
LOAD_DATA="$out/data.json" LOAD_SUMMARY="$out/summary.csv" "$bin/locust" -f tests/load/locustfile.py \
  --headless --users "$users" --spawn-rate "$spawn_rate" --run-time "${seconds}s" --host "$host" \
  --csv "$out/locust" --exit-code-on-error 1 --only-summary --loglevel WARNING \
  >"$out/locust.log" 2>&1
locust_status=$?
set -e
children_seconds
# What the cores did during the run, in cores busy on average: gunicorn, PostgreSQL's processes
# for this database (those alive at the end: with DB_CONN_MAX_AGE=0 most have gone, and their
# time counts as other), locust, and everything else (other people's tests on a shared machine).
mapfile -t backends_after < <(postgres_pids)
read -r cpu_busy cpu_gunicorn cpu_postgres cpu_locust cpu_other < <(
  awk -v t0="$started" -v t1="$(date +%s.%N)" -v b0="$busy_before" -v b1="$(busy_seconds)" \
    -v g0="$gunicorn_before" -v g1="$(process_seconds "$gunicorn_pid" "${gunicorn_workers[@]}")" \
    -v p0="$postgres_before" -v p1="$(process_seconds "${backends_after[@]}")" \
    -v l0="$locust_before" -v l1="$children" 'BEGIN {
      wall = t1 - t0; busy = b1 - b0; app = g1 - g0; db = p1 - p0; client = l1 - l0
      if (db < 0) db = 0
      printf "%.2f %.2f %.2f %.2f %.2f\n", busy / wall, app / wall, db / wall, client / wall,
        (busy - app - db - client) / wall
    }'
)
echo "== CPU under körningen (kärnor i genomsnitt): $cpu_busy upptagna av $(nproc): gunicorn $cpu_gunicorn," \
  "PostgreSQL $cpu_postgres, locust $cpu_locust, övrigt $cpu_other"
grep -E "FEL |Error|Traceback" "$out/locust.log" | head -n 20 >&2 || true
[[ -s "$out/summary.csv" ]] || { tail -n 30 "$out/locust.log" >&2; fail "locust skrev ingen sammanfattning"; }

echo
LOAD_PUBLIC_WORKERS_USED="$([[ "$public_workers" -gt 0 ]] && echo "$public_workers × $public_threads gthread")" \
  "$bin/python" - "$out/summary.csv" "$out/p95.md" "$users" "$seconds" "$workers" "$threads" "$loadavg_before" \
  "$cpu_busy" "$cpu_gunicorn" "$cpu_postgres" "$cpu_locust" "$cpu_other" <<'PY'
import csv, os, sys
from datetime import date

summary, md, users, seconds, workers, threads, loadavg, busy, app, db, client, other = sys.argv[1:]
warmup = os.environ.get("LOAD_WARMUP", "15")
rows = list(csv.DictReader(open(summary, encoding="utf-8")))
ms = lambda value: f"{value} ms" if value != "" else "–"
head = (
    f"{'anrop':<28} {'antal':>6} {'fel':>4} {'median':>8} {'p95':>8} {'p99':>8}"
    f" | {'efter ' + warmup + ' s:':>11} {'antal':>5} {'p95':>8}"
)
print(head)
print("-" * len(head))
lines = [
    f"{date.today().isoformat()}: {users} users for {seconds} s, gunicorn {workers} × {threads} gthread"
    + (
        f" and the survey pages in gunicorn {os.environ['LOAD_PUBLIC_WORKERS_USED']} of their own (SITE_ROLE=public), "
        if os.environ.get("LOAD_PUBLIC_WORKERS_USED")
        else ", "
    )
    + f"PostgreSQL, {os.cpu_count()} cores shared with locust (load average {loadavg} before the run; "
    f"cores busy during it {busy}: gunicorn {app}, PostgreSQL {db}, locust {client}, anything else {other}), "
    f"DB_CONN_MAX_AGE {os.environ.get('DB_CONN_MAX_AGE') or 'unset (the settings default)'}. "
    f"“Steady”: the requests after the first {warmup} s, when every user has started and logged in.",
    "",
    "| request | requests | failures | median | p95 | p99 | steady: requests | steady: p95 |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]
for row in rows:
    total = row["Name"] == "Aggregated" and not row["Type"]
    name = "alla anrop" if total else f"{row['Type']} {row['Name']}"
    if total:
        print("-" * len(head))
    print(
        f"{name:<28} {row['Request Count']:>6} {row['Failure Count']:>4} {ms(row['50%']):>8} "
        f"{ms(row['95%']):>8} {ms(row['99%']):>8} | {'':>11} {row['Steady Count'] or '–':>5} "
        f"{ms(row['Steady 95%']):>8}"
    )
    label = "**all requests**" if total else f"`{name}`"
    lines.append(
        f"| {label} | {row['Request Count']} | {row['Failure Count']} | {ms(row['50%'])} "
        f"| {ms(row['95%'])} | {ms(row['99%'])} | {row['Steady Count'] or '–'} | {ms(row['Steady 95%'])} |"
    )
open(md, "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY

total="$(awk -F',' 'END { print $3 }' "$out/summary.csv")"
failures="$(awk -F',' 'END { print $4 }' "$out/summary.csv")"
echo
echo "Resultat i $out (summary.csv, p95.md, locust_*.csv, locust.log, gunicorn*.log)."
if [[ "$locust_status" -ne 0 || "${failures:-1}" != 0 || "${total:-0}" == 0 ]]; then
  echo "LASTTESTET MISSLYCKADES: $failures av $total anrop misslyckades (locust avslutade med $locust_status)." >&2
  [[ ! -s "$out/locust_failures.csv" ]] || cat "$out/locust_failures.csv" >&2
  exit 1
fi
echo "Lasttestet klart: $total anrop, inga fel."
