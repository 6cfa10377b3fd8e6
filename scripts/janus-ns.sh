#!/usr/bin/env bash
# Runs Debian's Janus (VideoRoom only) in its own network namespace, for side-by-side benchmarks.
# Janus cannot use loopback for ICE, so it gets a private veth address that exists only between
# this machine's root namespace and the namespace made here; no traffic leaves the machine.
#
#   scripts/janus-ns.sh start DIR   # Janus at http://10.77.0.1:8088/janus; prints its PID
#   scripts/janus-ns.sh stop DIR
# Needs root (ip netns). The generator then uses --local-address 10.77.0.2.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?working directory}
NS=mediagw-janus
HOST_IF=mgwj0
NS_IF=mgwj1
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

stop() {
  if [ -f "$dir/janus.pid" ]; then
    $SUDO kill "$(cat "$dir/janus.pid")" 2>/dev/null || true
    for _ in $(seq 50); do $SUDO kill -0 "$(cat "$dir/janus.pid")" 2>/dev/null || break; sleep 0.1; done
    $SUDO kill -9 "$(cat "$dir/janus.pid")" 2>/dev/null || true
    rm -f "$dir/janus.pid"
  fi
  $SUDO ip link del "$HOST_IF" 2>/dev/null || true
  $SUDO ip netns del "$NS" 2>/dev/null || true
}

if [ "$cmd" = stop ]; then stop; exit 0; fi

stop
mkdir -p "$dir"
$SUDO ip netns add "$NS"
$SUDO ip link add "$HOST_IF" type veth peer name "$NS_IF"
$SUDO ip link set "$NS_IF" netns "$NS"
$SUDO ip addr add 10.77.0.2/24 dev "$HOST_IF"
$SUDO ip link set "$HOST_IF" up
$SUDO ip netns exec "$NS" ip addr add 10.77.0.1/24 dev "$NS_IF"
$SUDO ip netns exec "$NS" ip link set "$NS_IF" up
$SUDO ip netns exec "$NS" ip link set lo up

# A copy of Debian's configuration: VideoRoom and the HTTP transport only, ICE on the veth.
conf="$dir/janus-conf"
rm -rf "$conf"
cp -r /etc/janus "$conf"
sed -i \
  -e "s|^\(\s*\)configs_folder = .*|\1configs_folder = \"$conf\"|" \
  -e 's|^\(\s*\)#\?ice_enforce_list = .*|\1ice_enforce_list = "'"$NS_IF"'"|' \
  -e 's|^\(\s*\)debug_level = .*|\1debug_level = 3|' \
  "$conf/janus.jcfg"
# Plugins, transports and event handlers we do not want (the streaming plugin binds UDP on all
# addresses).
disable_plugins=$(cd /usr/lib/x86_64-linux-gnu/janus/plugins && ls *.so | grep -v videoroom | paste -sd, -)
disable_transports=$(cd /usr/lib/x86_64-linux-gnu/janus/transports && ls *.so | grep -v 'libjanus_http' | paste -sd, -)
disable_events=$(cd /usr/lib/x86_64-linux-gnu/janus/events 2>/dev/null && ls *.so | paste -sd, - || true)
disable_loggers=$(cd /usr/lib/x86_64-linux-gnu/janus/loggers 2>/dev/null && ls *.so | paste -sd, - || true)
/usr/bin/python3 - "$conf/janus.jcfg" "$disable_plugins" "$disable_transports" "$disable_events" "$disable_loggers" <<'PY'
import re, sys
path, plugins, transports, events, loggers = sys.argv[1:6]
text = open(path).read()
for section, value in (("plugins", plugins), ("transports", transports), ("events", events), ("loggers", loggers)):
    if value:
        text = re.sub(r"(?m)^%s: \{" % section, '%s: {\n\tdisable = "%s"' % (section, value), text, count=1)
open(path, "w").write(text)
PY
$SUDO ip netns exec "$NS" janus -F "$conf" -L "$dir/janus.log" > "$dir/janus.out" 2>&1 &
echo $! > "$dir/janus.pid"
for _ in $(seq 100); do
  if curl -s -m 1 http://10.77.0.1:8088/janus/info >/dev/null 2>&1; then
    # The PID that does the work (ip netns exec execs janus, so it is the same process).
    cat "$dir/janus.pid"
    exit 0
  fi
  sleep 0.1
done
echo "janus did not start; see $dir/janus.log" >&2
tail -20 "$dir/janus.out" >&2
exit 1
