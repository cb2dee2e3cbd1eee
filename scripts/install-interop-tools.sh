#!/usr/bin/env bash
# Installs the third-party clients that the interop tests (broker-embedded/.../interop/) drive against the broker:
#
#   kcat       Debian's kcat package (librdkafka's CLI); linked as .interop/bin/kcat whatever its binary is named
#   kafkajs    the version pinned in interop/kafkajs/package-lock.json, into .interop/node/node_modules
#   kafka-cli  Apache Kafka's CLI tools (interop/kafka-cli/pom.xml) with their dependencies, into .interop/kafka-libs
#   python     Debian's python3-confluent-kafka (confluent-kafka-python on the system's librdkafka) for Debian's own
#              /usr/bin/python3, linked as .interop/bin/python3 (a pyenv or virtualenv python would not see it)
#   confluent-js  Confluent's JavaScript client, the version pinned in interop/confluent-js/package-lock.json, into
#              .interop/confluent-js/node_modules, with the librdkafka (2.15) it carries built from source: no
#              prebuilt binary is downloadable here, and the package's own static build would fetch zlib, OpenSSL
#              and zstd sources from their sites. Linked dynamically instead (CKJS_LINKING=dynamic) against Debian's
#              -dev packages, which the script installs with the compilers (g++, make) node-gyp needs.
#
# Usage: scripts/install-interop-tools.sh [kcat] [kafkajs] [kafka-cli] [python] [confluent-js]   (no argument: all)
#
# Idempotent and quick when everything is in place: each part keeps a stamp of the files it was installed from
# and is skipped while that stamp still matches. Concurrent runs (several builds of one tree) are serialised by
# a lock on .interop/install.lock. Any failure exits non-zero: the tests treat a missing tool as a failure.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
interop_dir="$repo_root/.interop"
mkdir -p "$interop_dir/bin"

exec 9>"$interop_dir/install.lock"
flock -w 900 9 || { echo "install-interop-tools: timed out waiting for $interop_dir/install.lock" >&2; exit 1; }

log() {
    echo "install-interop-tools: $*" >&2
}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    else
        sudo -n "$@"
    fi
}

ensure_npm() { # the machine's Node.js and npm, else Debian's
    if ! command -v npm >/dev/null; then
        apt_install nodejs npm
    fi
}

stamp_matches() { # stamp_matches <stamp file> <content>
    [[ -f "$1" && "$(cat "$1")" == "$2" ]]
}

apt_install() { # apt_install <package>...
    local apt_opts=(-y -q -o DPkg::Lock::Timeout=300)
    # Update the package lists only when they do not know a package yet (a fresh machine has none).
    local package
    for package in "$@"; do
        if ! apt-cache show "$package" >/dev/null 2>&1; then
            log "apt-get update"
            as_root apt-get update -q -o DPkg::Lock::Timeout=300 >&2
            break
        fi
    done
    log "apt-get install $*"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "$@" >&2; then
        # Stale package lists name files the mirror no longer has: refresh them once and retry.
        log "apt-get install failed; apt-get update and retry"
        as_root apt-get update -q -o DPkg::Lock::Timeout=300 >&2
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "$@" >&2
    fi
}

apt_missing() { # apt_missing <package>...: prints those not installed
    local package
    for package in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]]; then
            echo "$package"
        fi
    done
}

install_kcat() {
    local binary
    binary="$(command -v kcat || command -v kafkacat || true)"
    if [[ -z "$binary" ]]; then
        apt_install kcat
        binary="$(command -v kcat || command -v kafkacat || true)"
        [[ -n "$binary" ]] || { log "kcat installed but neither kcat nor kafkacat is on PATH"; exit 1; }
    fi
    ln -sfn "$binary" "$interop_dir/bin/kcat"
}

install_kafkajs() {
    local source_dir="$repo_root/interop/kafkajs"
    local target_dir="$interop_dir/node"
    local stamp
    stamp="$(cat "$source_dir/package.json" "$source_dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
    if stamp_matches "$target_dir/.stamp" "$stamp" && [[ -d "$target_dir/node_modules/kafkajs" ]]; then
        return
    fi
    ensure_npm
    log "npm ci kafkajs into $target_dir"
    rm -rf "$target_dir"
    mkdir -p "$target_dir"
    cp "$source_dir/package.json" "$source_dir/package-lock.json" "$target_dir/"
    (cd "$target_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    echo "$stamp" >"$target_dir/.stamp"
}

install_kafka_cli() {
    local pom="$repo_root/interop/kafka-cli/pom.xml"
    local target_dir="$interop_dir/kafka-libs"
    local stamp
    stamp="$(sha256sum "$pom" | cut -d' ' -f1)"
    if stamp_matches "$target_dir/.stamp" "$stamp"; then
        return
    fi
    log "copying Kafka CLI jars into $target_dir"
    rm -rf "$target_dir"
    (cd "$repo_root/interop/kafka-cli" && "$repo_root/mvnw" -B -q dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$target_dir" >&2)
    echo "$stamp" >"$target_dir/.stamp"
}

install_python() {
    # Debian's interpreter, whatever python3 comes first on PATH: the Debian package installs into its
    # dist-packages only.
    local python=/usr/bin/python3
    local stamp_file="$interop_dir/python.stamp"
    local stamp=""
    if [[ -x "$python" ]]; then
        stamp="$(dpkg-query -W -f='${Package} ${Version}\n' python3-confluent-kafka librdkafka1 2>/dev/null || true)"
    fi
    if ! stamp_matches "$stamp_file" "$stamp" || ! "$python" -c 'import confluent_kafka' 2>/dev/null; then
        apt_install python3-confluent-kafka
        "$python" -c 'import confluent_kafka' \
            || { log "python3-confluent-kafka installed but $python cannot import confluent_kafka"; exit 1; }
        dpkg-query -W -f='${Package} ${Version}\n' python3-confluent-kafka librdkafka1 >"$stamp_file"
    fi
    ln -sfn "$python" "$interop_dir/bin/python3"
}

install_confluent_js() {
    local source_dir="$repo_root/interop/confluent-js"
    local target_dir="$interop_dir/confluent-js"
    local package_dir="$target_dir/node_modules/@confluentinc/kafka-javascript"
    local build_packages=(g++ make python3 zlib1g-dev libssl-dev libzstd-dev)
    local stamp missing
    stamp="$(cat "$source_dir/package.json" "$source_dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
    mapfile -t missing < <(apt_missing "${build_packages[@]}")
    if stamp_matches "$target_dir/.stamp" "$stamp" && [[ ${#missing[@]} -eq 0 ]] \
        && [[ -f "$package_dir/build/Release/confluent-kafka-javascript.node" ]]; then
        return
    fi
    ensure_npm
    if [[ ${#missing[@]} -gt 0 ]]; then
        apt_install "${missing[@]}"
    fi
    log "npm ci @confluentinc/kafka-javascript into $target_dir, then build its librdkafka (a few minutes)"
    rm -rf "$target_dir"
    mkdir -p "$target_dir"
    cp "$source_dir/package.json" "$source_dir/package-lock.json" "$target_dir/"
    (cd "$target_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    # The package's install script, run explicitly (npm may hold back install scripts), from source: its
    # prebuilt binaries live on github.com. librdkafka's configure finds zlib, OpenSSL and zstd through the -dev
    # packages above; lz4 is bundled. node-gyp compiles against the headers of the node that runs it, found next
    # to it (Debian's nodejs ships them in /usr/include/node), instead of downloading them from nodejs.org.
    local node_prefix
    node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
    [[ -f "$node_prefix/include/node/node.h" ]] \
        || { log "no node headers in $node_prefix/include/node (node-gyp needs them)"; exit 1; }
    (cd "$package_dir" && CKJS_LINKING=dynamic npm_config_nodedir="$node_prefix" \
        node "$target_dir/node_modules/@mapbox/node-pre-gyp/bin/node-pre-gyp" install --build-from-source >&2) \
        || { log "building @confluentinc/kafka-javascript failed"; exit 1; }
    local features
    features="$(cd "$target_dir" && node -e \
        "const k = require('@confluentinc/kafka-javascript'); console.log(k.librdkafkaVersion, k.features.join(','))")"
    log "built librdkafka $features"
    for feature in gzip snappy lz4 zstd; do
        [[ ",${features#* }," == *",$feature,"* ]] || { log "librdkafka was built without $feature"; exit 1; }
    done
    echo "$stamp" >"$target_dir/.stamp"
}

parts=("$@")
if [[ ${#parts[@]} -eq 0 ]]; then
    parts=(kcat kafkajs kafka-cli python confluent-js)
fi
for part in "${parts[@]}"; do
    case "$part" in
        kcat) install_kcat ;;
        kafkajs) install_kafkajs ;;
        kafka-cli) install_kafka_cli ;;
        python) install_python ;;
        confluent-js) install_confluent_js ;;
        *) log "unknown part '$part' (expected kcat, kafkajs, kafka-cli, python or confluent-js)"; exit 2 ;;
    esac
done
