#!/usr/bin/python3
"""First numbers for mediagw's forwarding (issue 3): CPU and RSS of mediagw with one publisher and
10, 20 and 40 receive-only subscribers (mediagw-client --no-decode), and join-to-first-frame over
20 joins. A benchmark, not a test: it prints a table; nothing here pass/fails.

    scripts/bench-core.py [--subscribers 10,20,40] [--seconds 10] [--joins 20]

Traffic stays on 127.0.0.1. Run scripts/test.sh (or scripts/run.sh) once first to build.
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("MEDIAGW_BUILD_DIR", os.path.join(ROOT, "build"))
MEDIAGW = os.path.join(BUILD, "gateway", "mediagw")
CLIENT = os.path.join(BUILD, "tools", "mediagw-client")
TICKS = os.sysconf("SC_CLK_TCK")


def start_gateway(tmp, extra_config=""):
    conf = os.path.join(tmp, "bench.ini")
    with open(conf, "w") as f:
        f.write("[ice]\nlocal_addresses=127.0.0.1\n[rooms]\nmax_participants=200\n" + extra_config)
    out = open(os.path.join(tmp, "mediagw.log"), "w+")
    proc = subprocess.Popen([MEDIAGW, "--listen", "127.0.0.1:0", "--config", conf],
                            stdout=out, stderr=subprocess.STDOUT)
    for _ in range(200):
        out.seek(0)
        m = re.search(r"mediagw listening on 127\.0\.0\.1:(\d+)", out.read())
        if m:
            return proc, int(m.group(1))
        time.sleep(0.05)
    proc.kill()
    sys.exit("mediagw did not start")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        s = f.read()
    return int(re.search(r"VmRSS:\s+(\d+)", s).group(1)) / 1024


def client(port, *args):
    return subprocess.Popen([CLIENT, "--server", f"ws://127.0.0.1:{port}", "--local-address", "127.0.0.1", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def fanout_point(n, seconds, tmp):
    gw, port = start_gateway(tmp)
    try:
        pub = client(port, "--room", "bench", "--name", "pub", "--publish-only",
                     "--duration", str(seconds + 8))
        time.sleep(2)
        subs = client(port, "--room", "bench", "--name", "sub", "--subscribe-only", "--no-decode",
                      "--participants", str(n), "--duration", str(seconds + 5))
        time.sleep(4)  # everyone joined and negotiated
        c0, t0 = cpu_seconds(gw.pid), time.monotonic()
        rss = []
        while time.monotonic() - t0 < seconds:
            time.sleep(1)
            rss.append(rss_mb(gw.pid))
        c1, t1 = cpu_seconds(gw.pid), time.monotonic()
        report = json.loads(subs.communicate(timeout=60)[0])
        pub.communicate(timeout=60)
        video = [t for p in report["participants"] for t in p["tracks"] if t["kind"] == "video"]
        got = sum(1 for t in video if t["packets"] > 0)
        return {"subscribers": n, "cpu_pct": 100 * (c1 - c0) / (t1 - t0), "rss_mb": max(rss),
                "receiving": got, "video_packets": sum(t["packets"] for t in video)}
    finally:
        gw.send_signal(signal.SIGTERM)
        gw.wait(timeout=20)


def joins(count, tmp):
    gw, port = start_gateway(tmp)
    times = []
    try:
        pub = client(port, "--room", "join", "--name", "pub", "--publish-only",
                     "--duration", str(count * 4 + 10))
        time.sleep(2)
        for _ in range(count):
            out = client(port, "--room", "join", "--name", "joiner", "--subscribe-only",
                         "--duration", "2.5").communicate(timeout=60)[0]
            for t in json.loads(out)["participants"][0]["tracks"]:
                if t["kind"] == "video" and t["first_frame_ms"] >= 0:
                    times.append(t["first_frame_ms"])
        pub.kill()
        pub.communicate()
    finally:
        gw.send_signal(signal.SIGTERM)
        gw.wait(timeout=20)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subscribers", default="10,20,40")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--joins", type=int, default=20)
    args = ap.parse_args()
    for exe in (MEDIAGW, CLIENT):
        if not os.access(exe, os.X_OK):
            sys.exit(f"{exe} is missing: run scripts/test.sh first")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"machine: {os.cpu_count()} cores, {open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}")
        print("1 publisher (VP8 320x240@30 + Opus) to N subscribers (mediagw-client --no-decode)")
        print(f"{'subscribers':>11} {'mediagw CPU %':>14} {'RSS MB':>8} {'receiving':>10} {'video pkts':>11}")
        for n in [int(x) for x in args.subscribers.split(",")]:
            r = fanout_point(n, args.seconds, tmp)
            print(f"{r['subscribers']:>11} {r['cpu_pct']:>14.1f} {r['rss_mb']:>8.1f} "
                  f"{r['receiving']:>7}/{n:<2} {r['video_packets']:>11}", flush=True)
        if args.joins:
            t = sorted(joins(args.joins, tmp))
            if t:
                p95 = t[min(len(t) - 1, int(round(0.95 * (len(t) - 1))))]
                print(f"join to first decoded video frame over {len(t)}/{args.joins} joins: "
                      f"p50 {statistics.median(t):.0f} ms, p95 {p95} ms, max {t[-1]} ms")
            else:
                print("join to first frame: no join decoded video")


if __name__ == "__main__":
    main()
