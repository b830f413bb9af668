#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what libhashmatch needs on Debian 12 (bookworm) or a derivative,
# by group, with apt-get as root (or through sudo when available):
#
#   bash scripts/install-deps.sh [GROUP...]      (default: build)
#
#   build    compiler, cmake, ninja, pkg-config and the -dev packages of the
#            libraries libhashmatch links (libjpeg-turbo, libpng, libwebp,
#            FFmpeg, xxHash) and go-md2man (hashcheck's man page): enough to
#            build and install the library and hashcheck, and to run the demo;
#   python   python3 with its headers, venv and pip: the Python binding;
#   pytx     what building the `vpdq` package from PyPI adds to build and
#            python (scripts/test-python.sh installs it for pytx's own vPDQ
#            tests, docs/pytx.md): FFmpeg's libavdevice and libswresample
#            headers; libavdevice's library and the device libraries it
#            links (SDL2, OpenAL, ...) are there already wherever the test
#            group's ffmpeg program is;
#   spark    a Java runtime (OpenJDK 17, headless) for Apache Spark, which
#            pyspark from PyPI starts (scripts/test-spark.sh, docs/spark.md);
#   test     what the test suites add: clang and its sanitizer runtimes,
#            valgrind, the ffmpeg program (test clips), zlib, and a
#            comma-decimal locale (de_DE.UTF-8, for test_locale),
#            python3-jsonschema (hashcheck's JSON schema test), and
#            abigail-tools (abidw/abidiff: scripts/check-abi.sh);
#   all      every group.
# Only missing packages are installed.
set -euo pipefail
declare -A group=(
  [build]="build-essential cmake ninja-build pkg-config
           libjpeg62-turbo-dev libturbojpeg0-dev libpng-dev libwebp-dev
           libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libavfilter-dev
           libxxhash-dev libssl-dev
           go-md2man"
  [python]="python3 python3-dev python3-pip python3-venv"
  [pytx]="libavdevice-dev libswresample-dev"
  [spark]="openjdk-17-jre-headless"
  [test]="clang libclang-rt-14-dev valgrind ffmpeg zlib1g-dev locales python3-jsonschema
          abigail-tools"
)
want=("${@:-build}")
[ ${#want[@]} -gt 0 ] || want=(build)
pkgs=()
for g in "${want[@]}"; do
  if [ "$g" = all ]; then
    for k in build python pytx spark test; do read -r -a p <<<"${group[$k]//$'\n'/ }"; pkgs+=("${p[@]}"); done
  elif [ -n "${group[$g]:-}" ]; then
    read -r -a p <<<"${group[$g]//$'\n'/ }"; pkgs+=("${p[@]}")
  else
    echo "install-deps.sh: unknown group '$g' (build, python, pytx, spark, test, all)" >&2; exit 2
  fi
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# test_locale needs a locale whose decimal separator is a comma
case " ${pkgs[*]} " in
  *" locales "*)
    if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
      SUDO=
      if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
      echo "generating the de_DE.UTF-8 locale"
      $SUDO localedef -i de_DE -f UTF-8 de_DE.UTF-8
    fi ;;
esac
