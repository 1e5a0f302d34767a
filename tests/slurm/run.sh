#!/usr/bin/env bash
# Runs the README's Slurm job array for real, on a single-node cluster started here:
#   1. installs slurm-wlm and munge when missing (Debian), writes a one-node slurm.conf
#      (this machine as controller and compute node), starts munged, slurmctld and slurmd and
#      waits until the node is idle;
#   2. submits the README's script exactly as printed (the archiplan binary's path and the
#      output root are the only substitutions) with `sbatch --wait`, merges the shards and
#      checks results.csv/results.json are byte-identical to a local unsharded run;
#   3. runs the array again, cancels one task mid-run (scancel), resubmits that task alone and
#      checks that --resume completes it to the same bytes;
#   4. stops every daemon it started.
# Prints one line and exits 0 (a skip) only where the packages cannot be installed.
# Usage: tests/slurm/run.sh [ARCHIPLAN_BINARY]   (default: target/debug/archiplan, built if absent)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-$ROOT/target/debug/archiplan}
[ -x "$BIN" ] || cargo build --quiet
BIN=$(readlink -f "$BIN")

say() { echo "slurm: $*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    say "SKIP: not root and no sudo: cannot start Slurm daemons"; exit 0
  fi
fi
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1 || true
  fi
  if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    say "SKIP: slurm-wlm and munge could not be installed"; exit 0
  fi
fi

WORK=$(mktemp -d /tmp/archiplan-slurm.XXXXXX)
chmod 755 "$WORK"
CONF=$WORK/etc
mkdir -p "$CONF" "$WORK/spool/ctld" "$WORK/spool/d" "$WORK/log" "$WORK/run"
export SLURM_CONF=$CONF/slurm.conf
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(awk '/MemTotal/ {print int($2/1024) - 512}' /proc/meminfo)

cleanup() {
  set +e
  scancel --quiet --user="$(id -un)" >/dev/null 2>&1
  # Every daemon this run started, from its own pid files (whatever step failed).
  for f in "$WORK/run/slurmd.pid" "$WORK/run/slurmctld.pid" "$WORK/run/munge/munged.pid"; do
    pid=$($SUDO cat "$f" 2>/dev/null) || continue
    $SUDO kill "$pid" >/dev/null 2>&1
    for _ in $(seq 1 50); do $SUDO kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    $SUDO kill -9 "$pid" >/dev/null 2>&1
  done
  say "daemons stopped"
}
trap cleanup EXIT

# munge: a key and a daemon of our own (socket in the work folder).
MUNGE_SOCK=$WORK/run/munge.socket
$SUDO mkdir -p /etc/munge
[ -s /etc/munge/munge.key ] || $SUDO mungekey --create --keyfile=/etc/munge/munge.key
$SUDO chown munge:munge /etc/munge/munge.key 2>/dev/null || true
$SUDO chmod 400 /etc/munge/munge.key
$SUDO mkdir -p "$WORK/run/munge" && $SUDO chown munge:munge "$WORK/run/munge"
$SUDO chown munge:munge "$WORK/run" 2>/dev/null || true
if [ -z "$SUDO" ]; then AS_MUNGE=(runuser -u munge --); else AS_MUNGE=(sudo -u munge); fi
"${AS_MUNGE[@]}" munged --socket="$MUNGE_SOCK" --pid-file="$WORK/run/munge/munged.pid" \
  --log-file="$WORK/run/munge/munged.log" --seed-file="$WORK/run/munge/seed"
sleep 1
say "munged running (pid $($SUDO cat "$WORK/run/munge/munged.pid"))"

cat > "$SLURM_CONF" <<EOF
ClusterName=archiplan
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
CredType=cred/munge
StateSaveLocation=$WORK/spool/ctld
SlurmdSpoolDir=$WORK/spool/d
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=ci Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
: > "$CONF/cgroup.conf"

$SUDO env SLURM_CONF="$SLURM_CONF" slurmctld -i 2>>"$WORK/log/start.log"
$SUDO env SLURM_CONF="$SLURM_CONF" slurmd 2>>"$WORK/log/start.log"
for _ in $(seq 1 60); do
  state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -1 || true)
  [ "$state" = "idle" ] && break
  sleep 1
done
if [ "${state:-}" != "idle" ]; then
  say "FAIL: node state '${state:-none}' after 60 s"; cat "$WORK/log/slurmctld.log" "$WORK/log/slurmd.log" || true
  exit 1
fi
say "cluster up: $(sinfo -h -o '%P %D %T %c')"

# The README's script, exactly, with the binary path and the output root substituted.
SCRIPT=$WORK/sweep.slurm
awk '/^Slurm job array/ {f=1} f && /^```bash$/ {if (!n++) {inside=1; next}} inside && /^```$/ {exit} inside {print}' \
  README.md > "$SCRIPT.readme"
grep -q '^#SBATCH --array=1-8' "$SCRIPT.readme" || { say "FAIL: no job-array script in the README"; exit 1; }
OUT=$WORK/out
sed -e "s|^archiplan |$BIN |" -e "s|\"out/|\"$OUT/|g" "$SCRIPT.readme" > "$SCRIPT"
diff <(sed -e "s|^archiplan |BIN |" -e "s|\"out/|\"OUT/|g" "$SCRIPT.readme") \
     <(sed -e "s|^$BIN |BIN |" -e "s|\"$OUT/|\"OUT/|g" "$SCRIPT") >/dev/null \
  || { say "FAIL: the script differs from the README beyond the substitutions"; exit 1; }

# The reference: one unsharded local run.
"$BIN" sweep data/daishan --sweep data/daishan/sweep-relocation.toml -o "$WORK/local" --quiet >/dev/null 2>&1

started=$(date +%s)
sbatch --wait --chdir="$ROOT" --output="$WORK/log/slurm-%A_%a.out" "$SCRIPT" > "$WORK/log/sbatch1.txt"
say "array ran: $(cat "$WORK/log/sbatch1.txt") in $(( $(date +%s) - started )) s"
lines=$(cat "$WORK"/log/slurm-*_*.out | grep -c '^shard .* scenario ' || true)
[ "$lines" -eq 22 ] || { say "FAIL: $lines per-scenario log lines, expected 22"; cat "$WORK"/log/slurm-*_*.out; exit 1; }
say "task logs: 22 lines, e.g. '$(cat "$WORK"/log/slurm-*_1.out | grep '^shard' | head -1)'"
"$BIN" merge "$OUT"/relocation-shard-* -o "$OUT/relocation" >/dev/null 2>&1
for f in results.csv results.json; do
  cmp "$WORK/local/$f" "$OUT/relocation/$f" || { say "FAIL: merged $f differs from the local run"; exit 1; }
done
"$BIN" check data/daishan "$OUT/relocation" >/dev/null
say "PASS: 8 array tasks merged byte-identical to the unsharded run (results.csv, results.json), audited"

# Resume: cancel task 3 mid-run, resubmit it alone, merge again.
OUT=$WORK/out2
sed -e "s|^archiplan |$BIN |" -e "s|\"out/|\"$OUT/|g" "$SCRIPT.readme" > "$SCRIPT"
job=$(sbatch --parsable --chdir="$ROOT" --output="$WORK/log/slurm2-%A_%a.out" "$SCRIPT")
for _ in $(seq 1 600); do
  st=$(squeue -h -j "${job}_3" -o %T 2>/dev/null || true)
  [ "$st" = "RUNNING" ] && break
  sleep 0.05
done
scancel "${job}_3"
done_before=$( (find "$OUT/relocation-shard-3/scenarios" -maxdepth 2 -name row.json 2>/dev/null || true) | wc -l)
say "cancelled task 3 while $st ($done_before of its 3 scenarios finished)"
while squeue -h -j "$job" 2>/dev/null | grep -q .; do sleep 1; done
sbatch --wait --array=3 --chdir="$ROOT" --output="$WORK/log/slurm3-%A_%a.out" "$SCRIPT" >/dev/null
"$BIN" merge "$OUT"/relocation-shard-* -o "$OUT/relocation" >/dev/null 2>&1
for f in results.csv results.json; do
  cmp "$WORK/local/$f" "$OUT/relocation/$f" || { say "FAIL: resumed $f differs"; exit 1; }
done
say "PASS: task 3 cancelled mid-run, resubmitted alone, --resume completed it to the same bytes"
