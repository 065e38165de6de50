#!/usr/bin/env bash
# `make run-linux`: Debian's Linux (shell), Memtest86+ and a heartbeat test
# guest side by side in Bochs, each on its own CPU. The terminal is the
# hypervisor console in the focused view: you start at the Linux shell and
# see only its output (and the hypervisor's); Ctrl-A then 1/2/3 switches
# input and view between the partitions, showing the last lines of the
# one switched to first; Ctrl-] leaves.
BUILD=${1:-build}
export BUILD
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
d=$BUILD/run-linux
make_esp "$d" "[hypervisor]
view = focus

$(mixed_os_conf shell 100000000)"
port=$((7800 + RANDOM % 100))
cat <<MSG
Booting Bulkhead in Bochs: Linux (shell) on CPU 0, Memtest86+ on CPU 1,
a heartbeat guest on CPU 2. Input and view go to Linux first: the others
run unseen until you switch to them (their last lines are shown then).
Keys: Ctrl-A 1 = linux, Ctrl-A 2 = memtest, Ctrl-A 3 = beat,
      Ctrl-A ? = list partitions, Ctrl-] = quit.
Linux takes a few minutes to reach its shell in Bochs. Log: $d/com1.txt
MSG
COM1_SOCKET=$port BOCHS_NS=none run_bochs "$d" 3 86400 'HOST EXCEPTION' 512 &
bochs_job=$!
: >"$d/com1.txt"
python3 "$here/serial_term.py" "$port" "$d/com1.txt"
stop_vm "$d"
wait $bochs_job 2>/dev/null
echo
echo "run-linux: stopped"
