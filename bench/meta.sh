# SPDX-License-Identifier: BSD-3-Clause
# Sourced by bench/run_pytx.sh and run_spark.sh: the rows of meta.tsv that
# say what ran where.
#   machine_meta ROOT CMDLINE   print command, date, cpu, cpus, ram, os and
#                               commit (with "+ uncommitted changes" when
#                               lib/, include/, bindings/ or bench/ differ)
machine_meta() {
    local root=$1 commit
    printf 'command\t%s\n' "$2"
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'cpu\t%s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    printf 'cpus\t%s\n' "$(nproc --all)"
    printf 'ram\t%s\n' "$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
    printf 'os\t%s, kernel %s\n' "$(. /etc/os-release && echo "$PRETTY_NAME")" "$(uname -r)"
    commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [ -z "$(git -C "$root" status --porcelain -- lib include bindings bench 2>/dev/null)" ] ||
        commit="$commit + uncommitted changes"
    printf 'commit\t%s\n' "$commit"
}
