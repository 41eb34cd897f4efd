#!/usr/bin/env bash
# Installs what the tests drive for real and this machine may lack: Debian's Chromium
# (web UI tests), openssh-server (remote-host agent tests), sudo and acl (`user:` tests),
# and the `apsis-test` user those tests switch to.
# Idempotent and quick when everything is there; CI runs it through `make test`.
set -euo pipefail

missing=()
command -v chromium >/dev/null || missing+=(chromium)
test -x /usr/sbin/sshd || missing+=(openssh-server openssh-client)
command -v sudo >/dev/null || missing+=(sudo)
command -v setfacl >/dev/null || missing+=(acl)

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

# The `user:` tests run the agent as apsis-test from this checkout's venv, whose
# interpreter may live under a private home (pyenv under /root): let that one user
# search the directories on the way, without opening them to everyone.
test_user=apsis-test
if [[ $(id -u) == 0 ]]; then
    id "$test_user" >/dev/null 2>&1 || useradd --create-home "$test_user"
    repo=$(cd "$(dirname "$0")/../.." && pwd)
    python=$(readlink -f "$repo/.venv/bin/python" 2>/dev/null || true)
    for target in "$repo" ${python:+"$python"}; do
        dir=$(dirname "$target")
        while [[ $dir != / ]]; do
            sudo -n -u "$test_user" test -x "$dir" || setfacl -m "u:$test_user:x" "$dir"
            dir=$(dirname "$dir")
        done
    done
fi
