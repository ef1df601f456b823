#!/usr/bin/env bash
# Seeding benchmark, all figures from one run on one machine:
#   1. per-hash time of authctl's argon2id against the reference C implementation's `argon2`
#      command (Debian package argon2), same parameters (m=19456 KiB, t=2, p=1), as a ratio;
#   2. import of 2,000 plaintext users at the default parameters with --jobs 1 and on every core;
#   3. import of 1,000,000 pre-hashed rows: seconds and peak memory (/usr/bin/time -v);
#   4. whoami latency at 1,000 and at 1,000,000 users (hyperfine).
# Usage: scripts/bench-seeding.sh   (builds the release binary; installs argon2, hyperfine, time)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v argon2 >/dev/null || need+=(argon2)
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release --quiet
authctl="$PWD/target/release/authctl"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
# Default argon2 parameters: make sure no setting from the caller's environment changes them.
unset AUTHCTL_ARGON2_MEMORY_KIB AUTHCTL_ARGON2_ITERATIONS AUTHCTL_ARGON2_PARALLELISM AUTHCTL_JOBS AUTHCTL_CONFIG
export AUTHCTL_SESSION_FILE="$work/session"

plaintext() { # N FILE: N users with distinct plaintext passwords
  awk -v n="$1" 'BEGIN { print "email,password"; for (i = 0; i < n; i++) printf "user%d@example.com,password number %d\n", i, i }' > "$2"
}
elapsed() { # the elapsed_seconds of an import's --json summary
  python3 -c 'import json, sys; print(json.load(sys.stdin)["elapsed_seconds"])'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo

echo "== 1. per-hash time, argon2id m=19456 KiB t=2 p=1"
plaintext 200 "$work/hash200.csv"
for db in hash jobs1 jobsall million thousand; do "$authctl" --db "$work/$db.db" init >/dev/null; done
ours=$("$authctl" --json --db "$work/hash.db" user import "$work/hash200.csv" --jobs 1 | elapsed)
ours_ms=$(python3 -c "print($ours / 200 * 1000)")
printf %s 'correct horse' > "$work/password"
# Through hyperfine's shell, whose own start-up hyperfine measures and subtracts.
hyperfine --warmup 3 --runs 40 --export-json "$work/ref.json" \
  "argon2 saltsaltsaltsalt -id -t 2 -k 19456 -p 1 -r < '$work/password'" >/dev/null
ref_ms=$(python3 -c "import json; print(json.load(open('$work/ref.json'))['results'][0]['mean'] * 1000)")
printf 'authctl (in-process, 200 hashes, --jobs 1): %.1f ms per hash\n' "$ours_ms"
printf 'reference argon2 command (one process each): %.1f ms per hash\n' "$ref_ms"
printf 'ratio authctl / reference: %.2f (target: at most 1.0)\n' "$(python3 -c "print($ours_ms / $ref_ms)")"
echo

echo "== 2. import of 2,000 plaintext users, default parameters"
plaintext 2000 "$work/plain2000.csv"
one=$("$authctl" --json --db "$work/jobs1.db" user import "$work/plain2000.csv" --jobs 1 | elapsed)
all=$("$authctl" --json --db "$work/jobsall.db" user import "$work/plain2000.csv" --jobs "$cores" | elapsed)
python3 - "$one" "$all" "$cores" <<'PY'
import sys
one, all_, cores = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
per_hash = one / 2000 * 1000
print(f"--jobs 1: {one:.2f} s ({per_hash:.2f} ms per row)")
print(f"--jobs {cores}: {all_:.2f} s ({all_ / 2000 * 1000:.2f} ms per row)")
print(f"speed-up: {one / all_:.2f}x (target: at least 1.8x on 2 cores)")
print(f"per row on all cores / (per-hash time / cores): {(all_ / 2000 * 1000) / (per_hash / cores):.2f} (target: at most 1.1)")
PY
echo

echo "== 3. import of 1,000,000 pre-hashed rows"
hash=$(sqlite3 "$work/jobs1.db" "select password_hash from users limit 1")
awk -v h="$hash" 'BEGIN { print "email,password_hash,confirmed"; for (i = 0; i < 1000000; i++) printf "user%d@example.com,\"%s\",true\n", i, h }' > "$work/million.csv"
/usr/bin/time -v "$authctl" --db "$work/million.db" user import "$work/million.csv" 2> "$work/time.txt"
awk -F': ' '/Elapsed \(wall clock\)/ { print "wall clock: " $2 } /Maximum resident set size/ { printf "peak memory: %.0f MB\n", $2 / 1024 }' "$work/time.txt"
echo "(target: under 10 s, under 200 MB)"
echo

echo "== 4. whoami latency"
printf 'email,password\nada@example.com,correct horse battery\n' > "$work/ada.csv"
head -n 1000 "$work/million.csv" > "$work/thousand.csv"
for size in thousand million; do
  db="$work/$size.db"
  [ "$size" = thousand ] && "$authctl" --db "$db" user import "$work/thousand.csv" >/dev/null
  "$authctl" --db "$db" user import "$work/ada.csv" >/dev/null
  printf '%s\n' 'correct horse battery' | "$authctl" --db "$db" login ada@example.com --password-stdin >/dev/null
  users=$("$authctl" --json --db "$db" db status | python3 -c 'import json, sys; print(json.load(sys.stdin)["users"])')
  hyperfine -N --warmup 50 --runs 500 --export-json "$work/whoami-$size.json" "$authctl --db $db whoami" >/dev/null
  python3 -c "import json; r = json.load(open('$work/whoami-$size.json'))['results'][0]; print(f'whoami at $users users: {r[\"mean\"] * 1000:.2f} ms ± {r[\"stddev\"] * 1000:.2f} ms')"
done
python3 -c "
import json
small = json.load(open('$work/whoami-thousand.json'))['results'][0]['mean']
large = json.load(open('$work/whoami-million.json'))['results'][0]['mean']
print(f'1,000,000 users / 1,000 users: {large / small:.2f} (target: under 3 ms and within 1.20)')"
