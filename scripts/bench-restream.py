#!/usr/bin/python3
"""What a restream costs (issue 6): mediagw's CPU with N publishers in a room, without and then
with one 1280x720@30 restream to a local nginx-rtmp. A benchmark, not a test: it prints a table.

    scripts/bench-restream.py [--publishers 2,4,9] [--seconds 20] [--repeat 3] [--width 1280 --height 720]
                              [--x264-preset superfast]

Publishers are mediagw-load's (pre-encoded VP8 640x360 ~1 Mbit/s + Opus, so the generator costs
little). The difference between the two measurements is the composite: decoding every track,
compositing, mixing, x264 + AAC, FLV, and the RTMP send. Traffic stays on 127.0.0.1. Run
scripts/test.sh (or scripts/run.sh) once first to build.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module  # noqa: E402

core = import_module("bench-core")
ROOT = core.ROOT
LOAD = os.path.join(core.BUILD, "tools", "mediagw-load")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_nginx(tmp):
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write("load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\ndaemon off;\nmaster_process off;\n"
                f"error_log stderr warn;\npid {tmp}/nginx.pid;\nevents {{ worker_connections 64; }}\n"
                f"rtmp {{ server {{ listen 127.0.0.1:{port}; application live {{ live on; record off; }} }} }}\n")
    proc = subprocess.Popen(["nginx", "-p", tmp, "-e", "stderr", "-c", conf], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, port


def stop(gateway, *others):
    """Kills the helpers (None is skipped), then lets the gateway shut down cleanly."""
    for p in others:
        if p:
            p.kill()
            p.wait()
    gateway.terminate()
    gateway.wait()


def request(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=body.encode() if body else None)
    with urllib.request.urlopen(req) as r:
        text = r.read().decode()
        return json.loads(text) if text else None


def cpu_pct(pid, seconds):
    start = core.cpu_seconds(pid)
    time.sleep(seconds)
    return 100 * (core.cpu_seconds(pid) - start) / seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--publishers", default="2,4,9")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3, help="runs per point; the median is printed")
    ap.add_argument("--x264-preset", default="superfast")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; restream {args.width}x{args.height}@30, x264 {args.x264_preset} "
          f"zerolatency 2500 kbit/s + AAC 128 kbit/s to nginx-rtmp on 127.0.0.1; median of {args.repeat}")
    print(f"{'publishers':>10} {'mediagw CPU %':>14} {'with restream':>14} {'restream costs':>15} {'state':>8}"
          f"  runs", flush=True)
    for n in [int(x) for x in args.publishers.split(",")]:
        runs = [measure(args, n) for _ in range(args.repeat)]
        runs.sort(key=lambda r: r[2])
        base, with_restream, cost, state = runs[len(runs) // 2]
        print(f"{n:>10} {base:>14.1f} {with_restream:>14.1f} {cost:>15.1f} {state:>8}  "
              + " ".join(f"{r[2]:.1f}" for r in runs), flush=True)


def measure(args, n):
    with tempfile.TemporaryDirectory() as tmp:
        gw, port = core.start_gateway(tmp, f"[restream]\nx264_preset={args.x264_preset}\n")
        nginx, rtmp_port = start_nginx(tmp)
        load = subprocess.Popen([LOAD, "--server", f"ws://127.0.0.1:{port}", "--local-address", "127.0.0.1",
                                 "--publishers", str(n),
                                 "--duration", str(3 * args.seconds + 20), "--warmup", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(6)
            base = cpu_pct(gw.pid, args.seconds)
            api = f"http://127.0.0.1:{port}/v1/rooms/load-0/restreams"
            r = request("POST", api, json.dumps({"url": f"rtmp://127.0.0.1:{rtmp_port}/live/bench",
                                                 "width": args.width, "height": args.height}))
            time.sleep(5)
            with_restream = cpu_pct(gw.pid, args.seconds)
            state = request("GET", f"{api}/{r['id']}")["state"]
            request("DELETE", f"{api}/{r['id']}")
            return base, with_restream, with_restream - base, state
        finally:
            stop(gw, load, nginx)


if __name__ == "__main__":
    main()
