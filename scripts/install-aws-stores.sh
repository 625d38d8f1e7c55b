#!/usr/bin/env bash
# Installs the DynamoDB- and S3-compatible servers the users service's tests
# run on loopback (dynalite, s3rver) into .cache/aws-stores, at the versions
# scripts/aws-stores/package-lock.json pins. Safe to run again: it skips the
# install when the lock file has not changed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src="$root/scripts/aws-stores"
dst="$root/.cache/aws-stores"
if ! command -v npm >/dev/null 2>&1; then
	echo "install-aws-stores: npm not found: install the Debian packages nodejs and npm" >&2
	exit 1
fi
if cmp -s "$src/package-lock.json" "$dst/package-lock.json" && [[ -x "$dst/node_modules/.bin/dynalite" && -x "$dst/node_modules/.bin/s3rver" ]]; then
	exit 0
fi
mkdir -p "$dst"
cp "$src/package.json" "$src/package-lock.json" "$dst/"
echo "install-aws-stores: npm ci (dynalite, s3rver)"
# --ignore-scripts: dynalite runs in memory and never loads the native
# LevelDB binding that is the only install script.
(cd "$dst" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
