# SPDX-License-Identifier: BSD-3-Clause
# What the hashcheck end-to-end scripts share; each sources it with the
# real hashcheck as $1:  . "$(dirname "$0")/hashcheck_test_lib.sh" "$1"
# It gives a temporary folder $tmp (removed at exit), $bin (hashcheck,
# keeping its JSON outputs in $HC_JSON_DIR), the counters and
#   ok CMD...        CMD succeeds (counted; a failure names its line)
#   run CMD...       stdout to $tmp/out, stderr to $tmp/err, status in $rc
#   py CODE          python3 -c CODE
#   finish NAME COMMAND...  every JSON output of those hashcheck commands
#                    validated against docs/hashcheck.schema.json, the
#                    counts printed, the script's status (source it last)
tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export HC_REAL=$1 HC_JSON_DIR=$tmp/json
mkdir "$HC_JSON_DIR"
bin=$tests_dir/hashcheck_keep_json.sh
pass=0 fail=0
ok() { if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAILED (line ${BASH_LINENO[0]}): $*" >&2; fi; }
run() { "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
py() { python3 -c "$@"; }
finish() {
    local name=$1
    shift
    ok python3 "$tests_dir/hashcheck_schema.py" "$tests_dir/../docs/hashcheck.schema.json" "$HC_JSON_DIR" "$@"
    echo "$name: $pass passed, $fail failed"
    [ $fail -eq 0 ]
}
