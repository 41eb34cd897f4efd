#!/usr/bin/env bash
# Installs what the tests drive for real and this machine may lack: Debian's Chromium
# (web UI tests), openssh-server (remote-host agent tests) and sudo (`user:` tests).
# Idempotent and quick when everything is there; CI runs it through `make test`.
set -euo pipefail

missing=()
command -v chromium >/dev/null || missing+=(chromium)
test -x /usr/sbin/sshd || missing+=(openssh-server openssh-client)
command -v sudo >/dev/null || missing+=(sudo)

if ((${#missing[@]})); then
    if [[ $(id -u) != 0 ]]; then
        echo "tests need: ${missing[*]} (install them, or run as root)" >&2
        exit 1
    fi
    echo "installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
