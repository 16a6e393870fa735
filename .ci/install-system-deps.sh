#!/usr/bin/env bash
# Installs the Debian packages the integration tests use, as root. Idempotent: installs only what is
# missing, and waits for a concurrent dpkg instead of failing.
#   xmlsec1                  an XML-DSig implementation independent of samlkit
#   simplesamlphp, php8.2-*  a real IdP/SP stack (SimpleSAMLphp 1.19 from Debian) for interop tests
#   redis-server, postgresql the shared stores, started per test run on loopback (never as services)
#   chromium                 the browser the end-to-end test drives (playwright-core, headless)
#   dnsmasq-base             a DNS server for domain verification, started per test run on loopback
#                            (the binary only: Debian's dnsmasq package would also start a service on :53)
set -euo pipefail

packages=(xmlsec1 openssl simplesamlphp php8.2-cli php8.2-xml php8.2-mbstring php8.2-curl redis-server postgresql chromium dnsmasq-base)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all installed"
  exit 0
fi

# simplesamlphp depends on "apache2 | httpd"; apache2 must not start and listen on *:80.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5; do
  if apt-get update -qq -o DPkg::Lock::Timeout=300 &&
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null; then
    echo "system packages: installed ${missing[*]}"
    exit 0
  fi
  echo "system packages: apt failed (attempt $attempt), retrying in 10 s" >&2
  sleep 10
done
exit 1
