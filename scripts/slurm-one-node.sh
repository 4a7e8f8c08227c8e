#!/usr/bin/env bash
# Starts a one-node Slurm cluster (munged, slurmctld, slurmd) as root, without an init system,
# from Debian's slurm-wlm and munge: enough to run docs/cluster.md's array job for real
# (scripts/cluster-test.sh). Usage: scripts/slurm-one-node.sh [STATE_DIR]. Does nothing but
# wait for the node if slurmctld already runs.
set -euo pipefail
STATE=${1:-/var/lib/revsim-slurm}
if pgrep -x slurmctld >/dev/null; then STARTED=1; else STARTED=0; fi
mkdir -p "$STATE"/{ctld,spool,log} /run/munge /etc/slurm
host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
[ "$STARTED" = 1 ] || cat > /etc/slurm/slurm.conf <<CONF
ClusterName=revsim-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
for _ in $(seq 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then sinfo; exit 0; fi
    sleep 1
done
echo "slurm did not come up; logs:" >&2
tail -20 "$STATE"/log/*.log >&2
exit 1
