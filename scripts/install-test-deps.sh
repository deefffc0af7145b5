#!/usr/bin/env bash
# Installs the real servers the tests run on loopback (Debian packages), and
# the unprivileged user that test sshd sessions log in as. Idempotent; run as root.
set -euo pipefail
PKGS=(chromium openssh-server prometheus-alertmanager prometheus ansible procps iproute2 curl)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's packages install services but nothing starts them here; tests start their own.
mkdir -p /run/sshd
if ! id vigiltest >/dev/null 2>&1; then
  useradd --create-home --shell /bin/sh vigiltest
fi
# With UsePAM no, a user without a password hash counts as locked; '*' unlocks key logins only.
usermod -p '*' vigiltest
