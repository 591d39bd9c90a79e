#!/bin/sh
# Installs what bench/compare measures pssh against, on Debian or Ubuntu, as
# root: the classic pssh CLI (Debian's package "pssh", binary parallel-ssh),
# pdsh, ClusterShell (clush), asyncssh for the system Python
# (/usr/bin/python3, not a pyenv shim), OpenSSH's client and server, and GNU
# time (which reports each tool's own peak memory).
# Installs only what is missing; does nothing when all is there.
# bench/compare runs it (embedded) unless given -install=false.
set -eu

need=""
command -v parallel-ssh >/dev/null 2>&1 || need="$need pssh"
command -v pdsh >/dev/null 2>&1 || need="$need pdsh"
command -v clush >/dev/null 2>&1 || need="$need clustershell"
command -v ssh >/dev/null 2>&1 || need="$need openssh-client"
[ -x /usr/bin/time ] || need="$need time"
[ -x /usr/sbin/sshd ] || command -v sshd >/dev/null 2>&1 || need="$need openssh-server"
if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -W ignore -c 'import asyncssh' >/dev/null 2>&1; then
	need="$need python3-asyncssh"
fi

if [ -z "$need" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-peers.sh: missing:$need; run as root, or: apt-get install -y$need" >&2
	exit 1
fi
echo "install-peers.sh: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # the package list is meant to split
apt-get install -y -qq $need >&2
