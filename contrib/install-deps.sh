#!/bin/sh
# Install every Debian package cronograma needs to build, test and run.
# Idempotent: packages already present are left alone, and apt is only
# called when something is missing.
#
#   contrib/install-deps.sh          build + test dependencies (chromium
#                                    included: the page is tested in it)
#   contrib/install-deps.sh --bench  also the benchmark peers and tools (postfix's
#                                    smtp-sink/smtp-source, nginx, wrk, strace)
#   contrib/install-deps.sh --check  install nothing: name what is missing and
#                                    exit 1 (what plain `make` runs)
set -eu
CHECK=

# What `make` needs to build the two programs.
BUILD_PKGS="build-essential pkg-config ca-certificates tzdata gettext
libuv1-dev libcurl4-openssl-dev libical-dev libsqlite3-dev
libmicrohttpd-dev libjansson-dev libinih-dev libssl-dev"
# What `make demo` and `make check` add: the test tools and real peers, and
# the locales cronoctl's Spanish is tested in.
TEST_PKGS="curl sqlite3 openssl libcmocka-dev python3 python3-aiosmtpd
python3-icalendar clang-format chromium chromium-driver systemd iproute2 adduser util-linux
locales clang libclang-rt-14-dev"
# The locale the tests run cronoctl in (generated below when missing).
TEST_LOCALE=es_MX.UTF-8
PKGS="$BUILD_PKGS $TEST_PKGS"

for arg in "$@"; do
	case "$arg" in
	--bench) PKGS="$PKGS postfix nginx-light wrk strace" ;;
	--browser) ;; # chromium is always installed now
	--check) CHECK=1 PKGS=$BUILD_PKGS ;;
	-h | --help)
		sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "install-deps.sh: unknown option '$arg'" >&2
		exit 2
		;;
	esac
done

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

# glibc only loads a locale that is generated (listed by `locale -a`, as
# "es_MX.utf8"); without it setlocale() fails and gettext speaks English.
locale_missing() {
	[ -n "$CHECK" ] && return 1
	! locale -a 2>/dev/null | grep -qix "$(echo "$TEST_LOCALE" | sed 's/UTF-8/utf8/')"
}

# Generate TEST_LOCALE (idempotent: only when missing) with localedef,
# from the locales package's sources.
locale_generate() {
	locale_missing || return 0
	echo "install-deps.sh: generating the locale $TEST_LOCALE" >&2
	$SUDO localedef -i "${TEST_LOCALE%%.*}" -c -f UTF-8 \
		-A /usr/share/locale/locale.alias "$TEST_LOCALE"
}

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

if [ -z "$missing" ]; then
	locale_generate
	exit 0
fi

if [ -n "$CHECK" ]; then
	echo "cronograma: missing Debian packages:$missing" >&2
	echo "cronograma: run 'sh contrib/install-deps.sh' (or 'make deps') to install them" >&2
	exit 1
fi

echo "install-deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# postfix must not ask questions nor keep an MTA running: we only use its
# smtp-sink/smtp-source test tools.
if echo "$missing" | grep -qw postfix; then
	echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
if echo "$missing" | grep -qw postfix; then
	$SUDO postfix stop >/dev/null 2>&1 || true
	if command -v systemctl >/dev/null 2>&1; then
		$SUDO systemctl stop postfix >/dev/null 2>&1 || true
	fi
fi
if echo "$missing" | grep -qw nginx-light; then
	$SUDO nginx -s stop >/dev/null 2>&1 || true
	if command -v systemctl >/dev/null 2>&1; then
		$SUDO systemctl stop nginx >/dev/null 2>&1 || true
	fi
fi
# Where the package scripts may start services (no policy-rc.d, no
# systemd), say so if one outlived the stops above.
for pidfile in /var/spool/postfix/pid/master.pid /run/nginx.pid; do
	if [ -s "$pidfile" ] && $SUDO kill -0 "$(tr -d ' \n' <"$pidfile")" 2>/dev/null; then
		echo "install-deps.sh: still running: the process in $pidfile (postfix stop / nginx -s stop)" >&2
	fi
done
locale_generate
