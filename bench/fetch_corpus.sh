#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fetch the benchmark corpus (real photos from Debian packages) into a cache
# outside the source tree and verify it against bench/corpus/manifest.tsv.
#
#   bash bench/fetch_corpus.sh [LIST_OUT]
#
# Cache: ${HM_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hashmatch-corpus}.
# Each package named in the manifest is fetched with `apt-get download`
# (never installed); only the listed paths are extracted from its data
# tarball, then every file's SHA-256 is checked and mismatches are deleted.
# The .deb files are removed after extraction.
#
# Writes the verified files as TSV (class, absolute path, width, height) to
# LIST_OUT (default: stdout).  Exit status: 0 when every manifest file is
# present and verified, 3 when only some are (they are still listed),
# 77 when none could be provided (the caller should skip, not fail).
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
manifest=$here/corpus/manifest.tsv
cache=${HM_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hashmatch-corpus}
out=${1:-/dev/stdout}

say() { printf 'fetch_corpus: %s\n' "$*" >&2; }

if ! mkdir -p "$cache/files" 2>/dev/null || [ ! -w "$cache" ]; then
    say "cannot create a writable cache directory $cache; skipping"
    exit 77
fi

# Manifest rows without comments and header: pkg path sha256 w h class
rows() { grep -v '^#' "$manifest" | tail -n +2; }

verified() { # pkg path sha256 -> 0 when the cached file exists and matches
    local f="$cache/files/$1/${2#./}"
    [ -f "$f" ] && [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$3" ]
}

download() { # pkg dir -> the .deb in dir
    (cd "$2" && apt-get download "$1" >/dev/null 2>"$2/apt.log") && return 0
    if [ "$(id -u)" = 0 ] && [ "$updated" = 0 ]; then
        updated=1
        say "apt-get download $1 failed; running apt-get update and retrying"
        apt-get update >/dev/null 2>&1 || true
        (cd "$2" && apt-get download "$1" >/dev/null 2>"$2/apt.log") && return 0
    fi
    say "apt-get download $1 failed: $(grep -m1 -E '^(E|W):' "$2/apt.log" || echo unknown error)"
    return 1
}

updated=0 have_tools=1
for t in apt-get dpkg-deb tar sha256sum; do
    command -v "$t" >/dev/null 2>&1 || { have_tools=0; missing_tool=$t; }
done

for pkg in $(rows | cut -f1 | sort -u); do
    need=()
    while IFS=$'\t' read -r p path sha w h cls; do
        [ "$p" = "$pkg" ] || continue
        verified "$p" "$path" "$sha" || need+=("$path")
    done < <(rows)
    [ ${#need[@]} -eq 0 ] && continue
    if [ $have_tools = 0 ]; then
        say "$missing_tool not found; cannot fetch $pkg (${#need[@]} files)"
        continue
    fi
    say "fetching $pkg (${#need[@]} files) into $cache"
    tmp=$(mktemp -d "$cache/dl.XXXXXX") || continue
    if download "$pkg" "$tmp"; then
        deb=$(ls "$tmp"/*.deb 2>/dev/null | head -1)
        mkdir -p "$cache/files/$pkg"
        if ! dpkg-deb --fsys-tarfile "$deb" |
                tar -x -C "$cache/files/$pkg" --wildcards "${need[@]}"; then
            say "extracting from $(basename "$deb") failed (paths moved in a newer package?)"
        fi
    fi
    rm -rf "$tmp"
done

# Verify everything and write the list.
total=0 ok=0
: > "$cache/.list.tmp"
while IFS=$'\t' read -r pkg path sha w h cls; do
    total=$((total + 1))
    f="$cache/files/$pkg/${path#./}"
    if verified "$pkg" "$path" "$sha"; then
        ok=$((ok + 1))
        printf '%s\t%s\t%s\t%s\n' "$cls" "$f" "$w" "$h" >> "$cache/.list.tmp"
    elif [ -f "$f" ]; then
        say "SHA-256 mismatch, removed: $pkg $path"
        rm -f "$f"
    fi
done < <(rows)
cat "$cache/.list.tmp" > "$out"
rm -f "$cache/.list.tmp"

if [ $ok -eq 0 ]; then
    say "no corpus file available (0/$total); skipping"
    exit 77
elif [ $ok -lt $total ]; then
    say "only $ok of $total corpus files available; going on with those"
    exit 3
fi
say "corpus: $ok/$total files verified in $cache"
exit 0
