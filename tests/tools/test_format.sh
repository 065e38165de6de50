#!/usr/bin/env bash
# Every C file in the repository is clang-format clean with the repo's
# .clang-format (STYLE: one format, no review time spent on layout). A
# file that was formatted by hand once and drifted fails here, naming it;
# `make format` fixes it. First a scratch file with bad layout must fail,
# so the check cannot pass by checking nothing.
set -u
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || { echo "clang-format is not installed (make deps)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp .clang-format "$tmp/"
printf 'int  f( int a ){return a+1;}\n' >"$tmp/bad.c"
if clang-format --dry-run -Werror "$tmp/bad.c" >/dev/null 2>&1; then
	echo "clang-format accepted a badly formatted file: the check does not bite"
	exit 1
fi
mapfile -t files < <(git ls-files '*.c' '*.h')
[ ${#files[@]} -gt 100 ] || { echo "only ${#files[@]} C files found"; exit 1; }
bad=$(clang-format --dry-run -Werror "${files[@]}" 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
if [ -n "$bad" ]; then
	echo "not clang-format clean (run make format):"
	echo "$bad" | sed 's/^/  /'
	exit 1
fi
echo "${#files[@]} C files clang-format clean"
