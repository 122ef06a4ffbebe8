#!/usr/bin/env bash
# Installs FerretDB v1 (the MongoDB-wire-compatible server the Mongo test suites run against) from the
# Go module proxy into $(go env GOPATH)/bin, unless the right version is already there.
set -euo pipefail

VERSION=v1.24.2
BIN_DIR="$(go env GOPATH)/bin"
BIN="$BIN_DIR/ferretdb"

if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "version: $VERSION"; then
  echo "ferretdb $VERSION already installed at $BIN"
  exit 0
fi

mkdir -p "$BIN_DIR"
if go install "github.com/FerretDB/FerretDB/cmd/ferretdb@$VERSION" 2>/tmp/ferretdb-go-install.log \
   && "$BIN" --version >/dev/null 2>&1; then
  echo "ferretdb $VERSION installed with go install"
  exit 0
fi
echo "go install did not give a working ferretdb ($(tail -n 1 /tmp/ferretdb-go-install.log)); building it in a scratch module"

# `go install pkg@version` can fail here on the proxy's module-list (deprecation) lookup, and a module
# build panics without build/version/version.txt (FerretDB's release tooling writes it). So: fetch the
# module at the pinned version, write that file into a writable copy, and build against the copy.
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
cat > go.mod <<MOD
module signet-ci/ferretdb

go 1.22
MOD
go mod download -json "github.com/FerretDB/FerretDB@$VERSION" > mod.json
src_dir="$(python3 -c 'import json,sys; print(json.load(open("mod.json"))["Dir"])')"
cp -r "$src_dir" src
chmod -R u+w src
echo "$VERSION" > src/build/version/version.txt
go mod edit -require="github.com/FerretDB/FerretDB@$VERSION" -replace="github.com/FerretDB/FerretDB=./src"
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/FerretDB/FerretDB/cmd/ferretdb"
GO
go mod tidy
go build -o "$BIN" github.com/FerretDB/FerretDB/cmd/ferretdb
"$BIN" --version | head -n 1
