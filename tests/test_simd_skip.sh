#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The per-level tests (test_hamming_<level>, test_pdq_<level>,
# test_index_<level>, test_tmk_levels_<level>) report a level the machine cannot run as skipped
# (exit 77, with the reason), never as passed.  HM_SIMD caps the levels as
# a CPU without those above would, so this checks the skip path on any
# machine; and that a level the cap allows still runs.
#   test_simd_skip.sh TEST_HAMMING TEST_PDQ RUN_AT_LEVEL TEST_INDEX TEST_TMK_LEVELS
set -uo pipefail
hamming=$1 pdq=$2 gate=$3 index=$4 tmk=$5
fail=0 checks=0
levels=(portable avx2 avx512)

# expect RC PATTERN CMD...: CMD exits RC and its output matches PATTERN
expect() {
    local want=$1 pattern=$2 out rc
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    checks=$((checks + 1))
    if [ "$rc" != "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
        echo "FAIL: ${*@Q}: exit $rc (want $want), output (want /$pattern/):"
        sed 's/^/    /' <<<"$out" | tail -n 5
        fail=1
    fi
}

for ((l = 1; l < ${#levels[@]}; l++)); do
    level=${levels[l]}
    for ((c = 0; c < l; c++)); do
        cap=${levels[c]}
        why="skipped: level $level is not usable here: HM_SIMD=$cap caps the level"
        expect 77 "$why" env HM_SIMD="$cap" "$hamming" "$level"
        expect 77 "$why" env HM_SIMD="$cap" "$pdq" "$level"
        expect 77 "$why" env HM_SIMD="$cap" "$tmk" "$level"
        # the gated program does not run at all
        expect 77 "^test_index: $why\$" env HM_SIMD="$cap" "$gate" "$level" "$index"
    done
    # the cap that allows the level runs it, where the CPU has it
    out=$(env HM_SIMD="$level" "$hamming" "$level" 2>&1)
    rc=$?
    checks=$((checks + 1))
    if [ $rc = 77 ] && grep -q "this CPU (or build) lacks it" <<<"$out"; then
        echo "($level: this CPU lacks it)"
    elif [ $rc != 0 ] || ! grep -q "^level $level\$" <<<"$out"; then
        echo "FAIL: HM_SIMD=$level test_hamming $level: exit $rc"
        fail=1
    fi
done
# capped sets are refused by the library too (test_pdq checks that)
expect 0 "test_pdq: [0-9]+ passed, 0 failed" env HM_SIMD=portable "$pdq" portable
expect 0 "test_tmk_levels: [0-9]+ passed, 0 failed" env HM_SIMD=portable "$tmk" portable
# run_at_level hands the level over in HM_SIMD
expect 0 '^portable$' "$gate" portable /bin/sh -c 'echo "$HM_SIMD"'
# a misspelt level fails; it is not skipped
expect 2 "unknown SIMD level 'avx-2'" "$hamming" avx-2
expect 2 "unknown SIMD level 'avx-2'" "$gate" avx-2 /bin/true
[ $fail = 0 ] && echo "test_simd_skip: $checks checks passed"
exit $fail
