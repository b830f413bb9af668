# SPDX-License-Identifier: BSD-3-Clause
# Sourced by build-go.sh and test-go.sh: sets GO to the Go toolchain ($GO if
# set, else `go` on PATH, else /usr/local/go/bin/go, else Debian's golang-go,
# installed with apt-get: Go 1.19 on Debian 12 is enough), and never lets it
# download another toolchain.
GO=${GO:-}
if [ -z "$GO" ]; then
  if command -v go >/dev/null 2>&1; then
    GO=$(command -v go)
  elif [ -x /usr/local/go/bin/go ]; then
    GO=/usr/local/go/bin/go
  else
    echo "go not found: installing Debian's golang-go"
    _sudo=
    if [ "$(id -u)" != 0 ]; then _sudo=sudo; fi
    $_sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq --no-install-recommends golang-go
    GO=$(command -v go)
  fi
fi
export GOTOOLCHAIN=local
