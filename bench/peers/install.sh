#!/usr/bin/env bash
# Installs the peers of `BENCH_PEERS=keycloak,hydra npm run bench` into a cache outside the repository,
# from their registries only:
#   Keycloak  org.keycloak:keycloak-quarkus-dist from Maven Central (mvn, so the machine's Maven
#             settings and proxy apply), pre-built once for production mode on the embedded H2 database
#   Hydra     github.com/ory/hydra/v2 from the Go module proxy, built with the local Go toolchain
#   PostgreSQL  Debian's package (Hydra's store), with apt-get when it is missing
# Idempotent: a step whose result is there is skipped; FORCE=1 redoes them.
# Needs: mvn, a JDK >= 21 for Keycloak 26 (the first under /usr/lib/jvm, or KC_JAVA_HOME), go >= 1.24.
set -euo pipefail

HOME_DIR="${BENCH_PEERS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/signet-bench-peers}"
KC_VERSION="${KC_VERSION:-26.7.3}"
HYDRA_VERSION="${HYDRA_VERSION:-v2.3.0}"
# Hydra's go.mod swaps gobuffalo/pop for ORY's fork; a dependency's replace directives do not apply in
# the module that builds it, so the scratch module repeats this one (the build fails without it).
POP_FORK="github.com/ory/pop/v6@v6.2.1-0.20241121111754-e5dfc0f3344b"
FORCE="${FORCE:-0}"
log() { printf '[peers install %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
mkdir -p "$HOME_DIR/bin" "$HOME_DIR/keycloak" "$HOME_DIR/hydra-module"

find_jdk() {
  if [ -n "${KC_JAVA_HOME:-}" ]; then echo "$KC_JAVA_HOME"; return; fi
  local dir version
  for dir in /usr/lib/jvm/*; do
    [ -x "$dir/bin/java" ] || continue
    version=$("$dir/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    if [ "${version:-0}" -ge 21 ]; then echo "$dir"; return; fi
  done
  echo "no JDK >= 21 under /usr/lib/jvm: Keycloak $KC_VERSION needs one (set KC_JAVA_HOME)" >&2
  return 1
}

install_keycloak() {
  local kc="$HOME_DIR/keycloak/keycloak-$KC_VERSION" jdk
  jdk=$(find_jdk)
  if [ "$FORCE" = 1 ] || [ ! -x "$kc/bin/kc.sh" ]; then
    log "Keycloak $KC_VERSION: org.keycloak:keycloak-quarkus-dist from Maven Central"
    mvn -q dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:tar.gz" \
      -DoutputDirectory="$HOME_DIR/keycloak"
    rm -rf "$kc"
    tar -C "$HOME_DIR/keycloak" -xzf "$HOME_DIR/keycloak/keycloak-quarkus-dist-$KC_VERSION.tar.gz"
    rm -f "$kc/.built"
  fi
  if [ "$FORCE" = 1 ] || [ ! -f "$kc/.built" ]; then
    # `start --optimized` needs a build with the options fixed at build time: production mode keeps its
    # theme and template caches on (start-dev turns them off), on H2 with local caches (no cluster).
    log "Keycloak: kc.sh build --db=dev-file --cache=local (JAVA_HOME=$jdk)"
    JAVA_HOME="$jdk" "$kc/bin/kc.sh" build --db=dev-file --cache=local >"$HOME_DIR/keycloak/build.log" 2>&1 ||
      { tail -30 "$HOME_DIR/keycloak/build.log" >&2; return 1; }
    touch "$kc/.built"
  fi
  echo "$jdk" >"$HOME_DIR/keycloak/java-home"
  log "Keycloak $KC_VERSION ready in $kc"
}

install_hydra() {
  local bin="$HOME_DIR/bin/hydra"
  if [ "$FORCE" = 1 ] || [ ! -x "$bin" ] || ! go version -m "$bin" | grep -q "ory/hydra/v2[[:space:]]*$HYDRA_VERSION"; then
    log "Hydra $HYDRA_VERSION: github.com/ory/hydra/v2 from the Go module proxy, built here (minutes)"
    (
      cd "$HOME_DIR/hydra-module"
      [ -f go.mod ] || go mod init signet-bench/hydra >/dev/null 2>&1
      go mod edit -replace "github.com/gobuffalo/pop/v6=$POP_FORK"
      GOFLAGS=-mod=mod go get "github.com/ory/hydra/v2@$HYDRA_VERSION"
      GOFLAGS=-mod=mod go build -o "$bin" github.com/ory/hydra/v2
    )
  fi
  log "Hydra ready: $(go version -m "$bin" | awk '$1 == "mod" { print $2, $3 }')"
}

install_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "PostgreSQL (Hydra's store): apt-get install postgresql"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  log "PostgreSQL ready: $(ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -1)"
}

case ",${BENCH_PEERS:-keycloak,hydra}," in *,keycloak,*) install_keycloak ;; esac
case ",${BENCH_PEERS:-keycloak,hydra}," in *,hydra,*) install_postgres && install_hydra ;; esac
log "done: BENCH_PEERS=${BENCH_PEERS:-keycloak,hydra} npm run bench"
