#!/usr/bin/env bash
# Proves a backup can be restored: restores a pg_dump (custom format) into a scratch database and
# compares the exact row count of every table in the public schema, and the migrations recorded in
# django_migrations, with the source database.
#
#   scripts/restore-check.sh            dump DATABASE_URL now (scripts/backup.sh) and check that dump
#   scripts/restore-check.sh FILE.dump  check an existing dump against DATABASE_URL as it is now
#
# DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/rekrytering. Without a file, the counts
# are taken in the very snapshot that is dumped (pg_export_snapshot), so writes during the check do
# not count as differences. With a file, the source may have changed since: a difference then means
# the dump is not what the database holds now. A FILE.sha256 beside the dump is verified first.
# The scratch database (rekrytering_ops_restore_<pid>, on the same server) is always dropped.
# Exit status: 0 all equal, 1 a count or the migrations differ or a table is missing, 2 other errors.
set -euo pipefail
# Byte order for sorting, characters (not bytes) for the column widths of å, ä and ö.
export LC_ALL=C.UTF-8

here="$(cd "$(dirname "$0")" && pwd)"

fail() {
  echo "restore-check: $*" >&2
  exit 2
}

case "${1:-}" in
  -h | --help)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
[[ $# -le 1 ]] || fail "för många argument (se --help)"
dump="${1:-}"

src_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rekrytering}"
case "$src_url" in
  postgres://* | postgresql://* | pgsql://* | psql://*) ;;
  *) fail "DATABASE_URL är inte PostgreSQL: ${src_url%%://*}://…" ;;
esac
src_url="postgresql://${src_url#*://}"
base="${src_url%%\?*}"
params="${src_url#"$base"}"
server="${base%/*}"
src_db="${base##*/}"
[[ -n "$src_db" && "$server" != "postgresql:" ]] || fail "DATABASE_URL saknar databasnamn"

for tool in psql pg_dump pg_restore sha256sum; do
  command -v "$tool" >/dev/null || fail "$tool saknas"
done

scratch="rekrytering_ops_restore_$$"
scratch_url="$server/$scratch$params"
maint_url="$server/${RESTORE_CHECK_MAINTENANCE_DB:-postgres}$params"
work="$(mktemp -d)"
created=""
snap_pid=""

# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
  set +e
  if [[ -n "$snap_pid" ]]; then
    kill "$snap_pid" 2>/dev/null
    wait "$snap_pid" 2>/dev/null
  fi
  if [[ -n "$created" ]]; then
    psql -XqAt -v ON_ERROR_STOP=1 -d "$maint_url" \
      -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null \
      && echo "Raderade den tillfälliga databasen $scratch." >&2 \
      || echo "restore-check: VARNING: kunde inte radera $scratch – gör det för hand" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The psql script that lists "table|rows" for every table in public (exact count(*), not the
# statistics), then the recorded migrations, between markers.
inventory_sql() {
  cat <<'SQL'
\echo __COUNTS__
SELECT format('SELECT %L, count(*) FROM public.%I', c.relname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname \gexec
\echo __MIGRATIONS__
SELECT 'SELECT app || ''.'' || name FROM public.django_migrations ORDER BY app, name'
WHERE to_regclass('public.django_migrations') IS NOT NULL \gexec
\echo __END__
SQL
}

# Splits an inventory (on stdin) into $prefix.counts and $prefix.migrations.
split_inventory() {
  local prefix="$1"
  awk -v counts="$prefix.counts" -v migrations="$prefix.migrations" '
    /^__COUNTS__$/ { out = counts; printf "" > counts; next }
    /^__MIGRATIONS__$/ { out = migrations; printf "" > migrations; next }
    /^__END__$/ { done = 1; next }
    out != "" { print > out }
    END { exit done ? 0 : 1 }'
}

inventory() {
  inventory_sql | psql -XqAt -F'|' -v ON_ERROR_STOP=1 -d "$1" | split_inventory "$2"
}

if [[ -z "$dump" ]]; then
  # One repeatable-read transaction: its snapshot is counted, then exported to pg_dump, so the
  # dump and the counts see the same rows whatever is written meanwhile.
  coproc SNAP { exec psql -XqAt -F'|' -v ON_ERROR_STOP=1 -d "$src_url" 2>&1; }
  # Own copies of the pid and pipes: bash unsets SNAP and SNAP_PID when psql exits.
  # shellcheck disable=SC2153  # (SNAP_PID is set by coproc)
  snap_pid="$SNAP_PID"
  exec {to_psql}>&"${SNAP[1]}" {from_psql}<&"${SNAP[0]}"
  trap '' PIPE # a psql that has gone away is an error to report, not a signal that kills
  echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" 1>&"$to_psql"
  IFS= read -r -t 30 snapshot <&"$from_psql" || snapshot=""
  [[ "$snapshot" =~ ^[0-9A-F-]+$ ]] || fail "kunde inte ansluta till $src_db: $snapshot"
  echo "Räknar raderna i $src_db …"
  inventory_sql 1>&"$to_psql"
  while IFS= read -r -t 3600 line <&"$from_psql"; do
    printf '%s\n' "$line"
    [[ "$line" != "__END__" ]] || break
  done >"$work/source.inventory"
  split_inventory "$work/source" <"$work/source.inventory" || fail "kunde inte räkna raderna i $src_db"
  echo "Säkerhetskopierar $src_db (samma ögonblicksbild, $snapshot) …"
  dump="$(BACKUP_DIR="$work" "$here/backup.sh" "$src_url" --snapshot="$snapshot" | tail -n1)" \
    || fail "säkerhetskopieringen misslyckades"
  printf 'COMMIT;\n\\q\n' 1>&"$to_psql" 2>/dev/null || true
  exec {to_psql}>&- {from_psql}<&-
  wait "$snap_pid" 2>/dev/null || true
  snap_pid=""
else
  [[ -f "$dump" ]] || fail "filen finns inte: $dump"
  if [[ -f "$dump.sha256" ]]; then
    (cd "$(dirname "$dump")" && sha256sum --check --status "$(basename "$dump").sha256") \
      || fail "kontrollsumman stämmer inte för $dump"
    echo "Kontrollsumman stämmer för $dump."
  fi
  inventory "$src_url" "$work/source" || fail "kunde inte räkna raderna i $src_db"
fi

[[ -s "$work/source.counts" ]] || fail "$src_db har inga tabeller i schemat public"

echo "Återläser $(basename "$dump") i $scratch …"
psql -XqAt -v ON_ERROR_STOP=1 -d "$maint_url" \
  -c "CREATE DATABASE \"$scratch\" TEMPLATE template0 ENCODING 'UTF8'" >/dev/null \
  || fail "kunde inte skapa $scratch"
created=1
pg_restore --no-owner --no-acl --exit-on-error --dbname="$scratch_url" "$dump" \
  || fail "pg_restore misslyckades"
inventory "$scratch_url" "$work/restored" || fail "kunde inte räkna raderna i $scratch"

# The table: every table of either side, its two counts and a verdict.
awk -F'|' '
  FNR == NR { src[$1] = $2; names[$1] = 1; next }
  { dst[$1] = $2; names[$1] = 1 }
  END {
    for (t in names) {
      s = (t in src) ? src[t] : "–"; d = (t in dst) ? dst[t] : "–"
      if (!(t in dst)) verdict = "SAKNAS i återläst"
      else if (!(t in src)) verdict = "FINNS INTE i källan"
      else if (s != d) verdict = "SKILLNAD"
      else verdict = "OK"
      print t "|" s "|" d "|" verdict
    }
  }' "$work/source.counts" "$work/restored.counts" | sort -t'|' -k1,1 >"$work/compared"

# (printf pads bytes, so the header with å and ä is padded by hand)
right() { printf '%*s%s' $(($1 - ${#2})) '' "$2"; }
printf '\n%-48s %s %s\n' "tabell" "$(right 12 "källa")" "$(right 12 "återläst")"
printf '%-48s %12s %12s\n' "------" "-----" "--------"
while IFS='|' read -r table s d verdict; do
  printf '%-48s %12s %12s  %s\n' "$table" "$s" "$d" "$verdict"
done <"$work/compared"
tables="$(wc -l <"$work/compared")"
bad="$(grep -vc '|OK$' "$work/compared" || true)"
src_rows="$(awk -F'|' '{ n += $2 } END { print n + 0 }' "$work/source.counts")"
echo

status=0
if [[ "$bad" -gt 0 ]]; then
  echo "FEL: $bad av $tables tabeller skiljer sig mellan $src_db och den återlästa dumpen." >&2
  status=1
else
  echo "Alla $tables tabeller har samma antal rader ($src_rows rader totalt)."
fi

if [[ ! -s "$work/source.migrations" ]]; then
  echo "FEL: $src_db har inga migreringar i django_migrations." >&2
  status=1
elif ! diff -u --label "$src_db" --label "återläst" "$work/source.migrations" "$work/restored.migrations" \
  >"$work/migrations.diff"; then
  echo "FEL: migreringarna i django_migrations skiljer sig:" >&2
  tail -n +3 "$work/migrations.diff" | grep '^[-+]' >&2 || true
  status=1
else
  echo "django_migrations: samma $(wc -l <"$work/source.migrations") migreringar i båda."
fi

if [[ "$status" -eq 0 ]]; then
  echo "Återläsningen är kontrollerad: OK."
else
  echo "Återläsningskontrollen MISSLYCKADES." >&2
fi
exit "$status"
