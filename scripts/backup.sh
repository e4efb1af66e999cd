#!/usr/bin/env bash
# A backup of the PostgreSQL database: pg_dump in custom format (-Fc, compressed, restorable with
# pg_restore, table by table if need be) into a timestamped file, with a SHA-256 checksum beside it.
#
#   scripts/backup.sh [DATABASE_URL] [--snapshot=ID]
#
# DATABASE_URL (argument or environment) is the app's own setting, e.g.
# postgres://user:pass@host:5432/rekrytering. BACKUP_DIR (default ./backups) is where the files go:
#   <db>-<UTC time>.dump  and  <db>-<UTC time>.dump.sha256  (check with `sha256sum -c`).
# --snapshot dumps an exported snapshot (pg_export_snapshot()), as restore-check.sh does.
# The last line of the output is the path of the dump. Exit status is non-zero on any failure, and
# no half-written dump is left behind.
set -euo pipefail

die() {
  echo "backup: $*" >&2
  exit 1
}

url=""
snapshot=""
for arg in "$@"; do
  case "$arg" in
    --snapshot=*) snapshot="${arg#--snapshot=}" ;;
    -h | --help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "okänd flagga: $arg" ;;
    *) url="$arg" ;;
  esac
done
url="${url:-${DATABASE_URL:-}}"
[[ -n "$url" ]] || die "ange DATABASE_URL (som argument eller miljövariabel)"
case "$url" in
  postgres://* | postgresql://* | pgsql://* | psql://*) ;;
  *) die "DATABASE_URL är inte PostgreSQL: ${url%%://*}://…" ;;
esac
# libpq knows postgres:// and postgresql://; django-environ's other spellings mean the same.
url="postgresql://${url#*://}"
base="${url%%\?*}"
dbname="${base##*/}"
[[ -n "$dbname" && "$base" != "postgresql:" ]] || die "DATABASE_URL saknar databasnamn"

command -v pg_dump >/dev/null || die "pg_dump saknas (apt-get install postgresql-client)"
command -v sha256sum >/dev/null || die "sha256sum saknas"

dir="${BACKUP_DIR:-./backups}"
mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
name="${dbname}-${stamp}.dump"
file="$dir/$name"
[[ ! -e "$file" ]] || die "$file finns redan"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT

args=(--format=custom --file="$partial" --dbname="$url")
[[ -z "$snapshot" ]] || args+=(--snapshot="$snapshot")
pg_dump "${args[@]}" || die "pg_dump misslyckades"
# A dump that pg_restore cannot read is no backup.
pg_restore --list "$partial" >/dev/null || die "dumpen kan inte läsas av pg_restore"
mv "$partial" "$file"
(cd "$dir" && sha256sum "$name" >"$name.sha256") || die "kunde inte skriva kontrollsumman"

size="$(du -h "$file" | cut -f1)"
echo "backup: $dbname → $file ($size), kontrollsumma i $file.sha256" >&2
echo "$file"
