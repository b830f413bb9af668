#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Save onto a full file system: a 2 MiB tmpfs mounted for the test (needs
# root, or at least the right to mount).  Skipped (exit 77) where that is
# not possible, with a message.  Usage: test_save_full.sh TEST_INDEX_SOAK
set -u
prog=$1
dir=$(mktemp -d /tmp/hm_full_XXXXXX)
if ! mount -t tmpfs -o size=2m,mode=0700 hm_full "$dir" 2>/dev/null; then
  echo "SKIPPED: cannot mount a small tmpfs here (not root, or no mount rights in this container)"
  rmdir "$dir"
  exit 77
fi
"$prog" full "$dir"
rc=$?
umount "$dir" && rmdir "$dir"
exit $rc
