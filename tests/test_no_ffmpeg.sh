#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A build without FFmpeg (HM_WITH_FFMPEG=OFF) links no FFmpeg library and
# tells consumers so: libhashmatch.so needs no libav*/libsw*, and neither
# hashmatch.pc (Requires.private) nor the CMake package names one.
#   test_no_ffmpeg.sh BUILD_DIR
set -euo pipefail
build=$1
fail() { echo "test_no_ffmpeg.sh: $*" >&2; exit 1; }
so=$(ls "$build"/libhashmatch.so.* | head -1)
needed=$(readelf -d "$so" | grep NEEDED || true)
[ -n "$needed" ] || fail "no NEEDED entries read from $so"
echo "$needed" | grep -Eq 'libjpeg|libpng' || fail "unexpected NEEDED list: $needed"
! echo "$needed" | grep -Eq 'libav|libsw' || fail "$so links FFmpeg: $needed"
grep -q '^Requires.private: .*libxxhash' "$build/hashmatch.pc.in" || fail "no Requires.private"
! grep -Eq 'libav|libsw' "$build/hashmatch.pc.in" || fail "hashmatch.pc names FFmpeg"
! grep -Eq 'libav|libsw' "$build/hashmatchConfig.cmake" || fail "the CMake package names FFmpeg"
grep -qx 'with_ffmpeg=no' "$build/hashmatch.pc.in" || fail "hashmatch.pc lacks with_ffmpeg=no"
grep -q 'set(hashmatch_WITH_FFMPEG OFF)' "$build/hashmatchConfig.cmake" ||
  fail "the CMake package lacks hashmatch_WITH_FFMPEG OFF"
echo "test_no_ffmpeg.sh: $so links no FFmpeg; hashmatch.pc and the CMake package name none"
