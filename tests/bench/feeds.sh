#!/bin/sh
# Feeds: requests per second for a topic's calendar served by the daemon,
# next to nginx serving the same bytes as a static file, in the same run;
# then 304 answers (If-None-Match) for both. wrk on 4 connections for
# BENCH_SECONDS (default 10) each; the 2018 programme and a generated
# 10,000-session one. Loopback only; everything started here is stopped by
# its PID.
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${BENCH_SECONDS:-10}
tmp=$(mktemp -d)
dpid=
npid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	[ -n "$npid" ] && kill "$npid" 2>/dev/null && wait "$npid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

for tool in wrk nginx curl; do
	if ! command -v "$tool" >/dev/null 2>&1 &&
		! [ -x "/usr/sbin/$tool" ]; then
		echo "feeds: $tool is missing (contrib/install-deps.sh --bench)" >&2
		exit 1
	fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The requests per second wrk reports for URL with optional header.
rps() {
	if [ -n "${2:-}" ]; then
		wrk -t2 -c4 -d"${secs}s" -H "$2" "$1"
	else
		wrk -t2 -c4 -d"${secs}s" "$1"
	fi | awk '/^Requests\/sec:/ {printf "%.0f", $2}'
}

status_of() {
	curl -s -o /dev/null -w '%{http_code}' -H "${2:-X-None: 1}" "$1"
}

etag_of() {
	curl -sI "$1" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}'
}

# Start a daemon on a free port with a programme; sets dpid and dport.
daemon_start() {
	name=$1
	mkdir -p "$tmp/$name"
	dport=$(free_port)
	cat >"$tmp/$name/c.conf" <<CONF
[daemon]
state_dir = $tmp/$name/state
socket = $tmp/$name/ctl.sock
domain = bench.example
test_clock = yes
log_level = warning
[http]
listen = 127.0.0.1:$dport
public_url = http://127.0.0.1:$dport
max_per_ip = 64
CONF
	"$build/cronogramad" -f -c "$tmp/$name/c.conf" 2>"$tmp/$name/log" &
	dpid=$!
	i=0
	while [ ! -S "$tmp/$name/ctl.sock" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	ctl="$build/cronoctl --socket $tmp/$name/ctl.sock"
	$ctl clock --set 2018-03-01T12:00:00Z >/dev/null
	$ctl import "$2" --year 2018 --topics "$root/contrib/temas-2018.tsv" \
		>/dev/null
}

daemon_stop() {
	kill "$dpid"
	wait "$dpid" 2>/dev/null || true
	dpid=
}

nport=$(free_port)
mkdir -p "$tmp/www" "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	types { text/calendar ics; }
	server {
		listen 127.0.0.1:$nport;
		root $tmp/www;
	}
}
CONF
"$NGINX" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
npid=$!
i=0
while [ "$(status_of "http://127.0.0.1:$nport/none")" != 404 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done

/usr/bin/python3 "$here/gen_programme.py" 10000 >"$tmp/p10k.tsv"

printf '%-30s %9s | %9s %9s %6s | %9s %9s %6s\n' "feed (wrk -c4, ${secs}s each)" \
	"bytes" "daemon/s" "nginx/s" "ratio" "304 d/s" "304 ng/s" "ratio"

# One row: the daemon's feed at path next to nginx serving its bytes.
row() {
	label=$1
	path=$2
	durl="http://127.0.0.1:$dport$path"
	file=$(basename "$path")
	curl -s -o "$tmp/www/$file" "$durl"
	nurl="http://127.0.0.1:$nport/$file"
	bytes=$(wc -c <"$tmp/www/$file")
	detag=$(etag_of "$durl")
	netag=$(etag_of "$nurl")
	if [ "$(status_of "$durl" "If-None-Match: $detag")" != 304 ] ||
		[ "$(status_of "$nurl" "If-None-Match: $netag")" != 304 ]; then
		echo "feeds: no 304 for $path" >&2
		exit 1
	fi
	d200=$(rps "$durl")
	n200=$(rps "$nurl")
	d304=$(rps "$durl" "If-None-Match: $detag")
	n304=$(rps "$nurl" "If-None-Match: $netag")
	printf '%-30s %9s | %9s %9s %5.0f%% | %9s %9s %5.0f%%\n' "$label" "$bytes" \
		"$d200" "$n200" "$(awk "BEGIN {print 100 * $d200 / $n200}")" \
		"$d304" "$n304" "$(awk "BEGIN {print 100 * $d304 / $n304}")"
}

daemon_start p2018 "$root/contrib/cronograma-2018.tsv"
row "2018: agenda-2030.ics" /calendarios/agenda-2030.ics
daemon_stop

daemon_start p10k "$tmp/p10k.tsv"
n=$(curl -s "http://127.0.0.1:$dport/calendarios/agenda-2030.ics" | grep -c '^BEGIN:VEVENT')
row "10,000: agenda-2030 ($n)" /calendarios/agenda-2030.ics
daemon_stop

echo "goal: feeds at least 50% of nginx; 304 answers at least as fast as nginx's"
