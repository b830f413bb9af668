# SPDX-License-Identifier: BSD-3-Clause
# Sourced by bench/run.sh, run_index.sh, run_video.sh and run_pytx.sh (after CPU and a
# `log` function are set): pinning to CPU $CPU, and the busy share of the
# other cores, summed over the timed phases only (from /proc/stat), to show
# whether anything else was running.
#   "${PIN[@]}" CMD...    run CMD pinned to $CPU (unpinned without taskset)
#   timed CMD...          run a timed phase, accumulating the other cores'
#                         busy time
#   other_busy_meta FILE  append "other_busy" and "loadavg_end" rows to FILE
PIN=(taskset -c "$CPU")
command -v taskset >/dev/null || { log "taskset not found; running unpinned"; PIN=(); }
OTHER_BUSY=0 OTHER_TOTAL=0
cpu_snap() { awk -v c="cpu$CPU" '/^cpu[0-9]/ && $1 != c {
    b += $2 + $3 + $4 + $7 + $8 + $9; t += $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }
    END { print b, t }' /proc/stat; }
timed() {
    local a b
    a=$(cpu_snap)
    "$@"
    b=$(cpu_snap)
    read -r OTHER_BUSY OTHER_TOTAL < <(echo "$a $b $OTHER_BUSY $OTHER_TOTAL" |
        awk '{ print $5 + $3 - $1, $6 + $4 - $2 }')
}
other_busy_meta() {
    printf 'other_busy\t%s\n' "$(awk -v b="$OTHER_BUSY" -v t="$OTHER_TOTAL" \
        'BEGIN { if (t > 0) printf "%.1f%%", 100 * b / t; else print "?" }')" >> "$1"
    printf 'loadavg_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$1"
}
