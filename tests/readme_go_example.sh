#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The repository README's Go example, built as the main program of a module
# of its own (require + replace onto SRC/bindings/go) with `go build` alone,
# run with an empty environment (env -i: the runpath from hashmatch.pc must
# do), and its output compared with the `// Output:` lines it shows.
#   tests/readme_go_example.sh SRC     (GO, PKG_CONFIG_PATH from the caller)
set -euo pipefail
src=$(cd "$1" && pwd)
GO=${GO:-go}
ex=$(mktemp -d)
trap 'rm -rf "$ex"' EXIT
python3 - "$src/README.md" "$ex/main.go" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text.split("## Go quick start", 1)[1].split("\n## ", 1)[0]
(code,) = re.findall(r"```go\n(.*?)```", section, re.S)
body = "".join("\t" + l + "\n" if l else "\n" for l in code.splitlines())
open(sys.argv[2], "w").write(
    "package main\n\nimport (\n\t\"fmt\"\n\t\"log\"\n\n"
    "\t\"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch\"\n)\n\n"
    "var _, _ = fmt.Sprint, log.Print\n\nfunc main() {\n" + body + "}\n")
want = code.split("// Output:\n", 1)[1]
open(sys.argv[2] + ".want", "w").write("".join(l[3:] + "\n" for l in want.splitlines()))
PY
cat > "$ex/go.mod" <<MOD
module example.com/readme

go 1.19

require github.com/libhashmatch/libhashmatch/bindings/go v0.0.0

replace github.com/libhashmatch/libhashmatch/bindings/go => $src/bindings/go
MOD
(cd "$ex" && GOFLAGS=-mod=mod "$GO" build -o readme-example .)
got=$(cd "$src/bindings/go/hashmatch" && env -i "$ex/readme-example")
if [ "$got" != "$(cat "$ex/main.go.want")" ]; then
  echo "README Go example printed:"; echo "$got"; echo "want:"; cat "$ex/main.go.want"; exit 1
fi
echo "README Go example: built with go build alone, ran under env -i, printed what the README shows"
