#!/usr/bin/python3
"""mediagw against Janus under identical load (issue 4). Run through scripts/bench.sh.

Scenarios: (a) 1 publisher to N subscribers, N rising until the generator or a server loses
packets; (b) one 6-person meeting; (c) 10 rooms of 4. Each point runs each server in turn
(interleaved), --runs times, each on a freshly started server; the median is reported. The last
line compares the marginal cost of one more subscriber in (a): the least-squares slope of server
CPU and RSS over the points where both servers were clean (no loss, every stream forwarded).
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
LOAD = os.path.join(BUILD, "tools", "mediagw-load")
JANUS_NS = os.path.join(ROOT, "scripts", "janus-ns.sh")


class Mediagw:
    name = "mediagw"

    def __init__(self, tmp):
        self.tmp = tmp

    def start(self):
        conf = os.path.join(self.tmp, "mediagw.ini")
        with open(conf, "w") as f:
            f.write("[ice]\nlocal_addresses=127.0.0.1\n[rooms]\nmax_participants=1000\n")
        self.log = open(os.path.join(self.tmp, "mediagw.log"), "w+")
        self.proc = subprocess.Popen([MEDIAGW, "--listen", "127.0.0.1:0", "--config", conf],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            self.log.seek(0)
            m = re.search(r"mediagw listening on 127\.0\.0\.1:(\d+)", self.log.read())
            if m:
                self.args = ["--server", f"ws://127.0.0.1:{m.group(1)}", "--local-address", "127.0.0.1"]
                return self.proc.pid
            time.sleep(0.05)
        raise RuntimeError("mediagw did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


class Janus:
    name = "janus"

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "janus")

    def start(self):
        out = subprocess.run([JANUS_NS, "start", self.dir], check=True, capture_output=True, text=True)
        self.args = ["--protocol", "janus", "--server", "http://10.77.0.1:8088/janus",
                     "--local-address", "10.77.0.2"]
        return int(out.stdout.strip().splitlines()[-1])

    def stop(self):
        subprocess.run([JANUS_NS, "stop", self.dir], check=False, capture_output=True)


def run_load(server, load_args, seconds, warmup):
    pid = server.start()
    try:
        time.sleep(0.5)
        out = subprocess.run([LOAD, *server.args, *load_args, "--duration", str(seconds),
                              "--warmup", str(warmup), "--server-pid", str(pid)],
                             capture_output=True, text=True, timeout=seconds + 120)
        summary = json.loads(out.stdout)["summary"]
    finally:
        server.stop()
    summary["clean"] = (summary["loss_pct"] == 0 and
                        summary["streams_forwarded"] == summary["streams_expected"] and
                        summary["participant_errors"] == 0)
    return summary


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def point(servers, load_args, runs, seconds, warmup):
    results = {s.name: [] for s in servers}
    for _ in range(runs):
        for s in servers:  # interleaved: mediagw, janus, mediagw, janus, ...
            r = run_load(s, load_args, seconds, warmup)
            results[s.name].append(r)
            print(f"    run {s.name:<8} cpu {r['server_cpu_pct']:6.2f} %  rss {r['server_peak_rss_mb']:6.1f} MB  "
                  f"loss {r['loss_pct']:.3f} %  streams {r['streams_forwarded']:.0f}/{r['streams_expected']:.0f}  "
                  f"errors {r['participant_errors']:.0f}  p99 {r['added_latency_p99_ms']:.1f} ms", flush=True)
    out = {}
    for name, rs in results.items():
        out[name] = {k: median_of(rs, k) for k in (
            "server_cpu_pct", "server_peak_rss_mb", "added_latency_p50_ms", "added_latency_p99_ms",
            "loss_pct", "join_to_first_packet_p50_ms", "streams_forwarded", "streams_expected",
            "packets_per_s")}
        # Clean when most runs were: one stray run must not end the sweep.
        out[name]["clean"] = sum(r["clean"] for r in rs) * 2 > len(rs)
    return out


def slope(xs, ys):
    mx, my = statistics.mean(xs), statistics.mean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else float("nan")


def show(label, res):
    m, j = res["mediagw"], res["janus"]
    def ratio(k):
        return m[k] / j[k] if j[k] else float("nan")
    print(f"{label:<22} {'mediagw':>9} {'janus':>9} {'ratio':>7}")
    for k, title in (("server_cpu_pct", "CPU % of a core"), ("server_peak_rss_mb", "peak RSS MB"),
                     ("added_latency_p50_ms", "latency p50 ms"), ("added_latency_p99_ms", "latency p99 ms"),
                     ("loss_pct", "loss %"), ("join_to_first_packet_p50_ms", "join->packet p50 ms")):
        print(f"  {title:<20} {m[k]:>9.2f} {j[k]:>9.2f} {ratio(k):>7.2f}")
    print(f"  {'streams':<20} {m['streams_forwarded']:>5.0f}/{m['streams_expected']:<3.0f} "
          f"{j['streams_forwarded']:>5.0f}/{j['streams_expected']:<3.0f}"
          f"{'' if m['clean'] and j['clean'] else '   NOT CLEAN'}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--subscribers", default="10,20,40,80,120,160")
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=6)
    ap.add_argument("--quick", action="store_true", help="1 run, 10,20 subscribers, short runs")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.subscribers, args.seconds, args.warmup = 1, "10,20", 10, 5
    if os.geteuid() != 0 and subprocess.run(["sudo", "-n", "true"]).returncode != 0:
        sys.exit("bench.sh needs root (or passwordless sudo) for Janus's network namespace")
    with tempfile.TemporaryDirectory() as tmp:
        servers = [Mediagw(tmp), Janus(tmp)]
        cpu = open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].splitlines()[0].strip()
        janus_version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "janus"], capture_output=True, text=True).stdout
        gst_version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libgstreamer1.0-0"], capture_output=True, text=True).stdout
        print(f"machine: {os.cpu_count()} cores, {cpu}; GStreamer {gst_version}, Janus {janus_version}")
        print(f"load: mediagw-load, VP8 640x360 ~1 Mbit/s pre-encoded + Opus; {args.runs} interleaved "
              f"run(s) per point, median; {args.seconds} s each, measured after {args.warmup} s\n")
        fanout = []
        for n in [int(x) for x in args.subscribers.split(",")]:
            # Joining takes longer the more join at once (Janus: about 0.15 s per subscriber here):
            # measure only once everyone is in.
            warmup = max(args.warmup, n // 5)
            res = point(servers, ["--publishers", "1", "--subscribers", str(n)], args.runs,
                        args.seconds + warmup - args.warmup, warmup)
            show(f"(a) 1 -> {n}", res)
            fanout.append((n, res))
            if not res["mediagw"]["clean"]:
                print(f"  mediagw not clean at {n} subscribers (loss or missing streams); stopping (a) here")
                break
            if not res["janus"]["clean"]:
                print(f"  Janus not clean at {n} subscribers: this point is left out of the slopes")
        show("(b) 6-person meeting", point(servers, ["--members", "6"], args.runs, args.seconds, args.warmup))
        show("(c) 10 rooms of 4", point(servers, ["--rooms", "10", "--members", "4"], args.runs, args.seconds, args.warmup))

        clean = [(n, r) for n, r in fanout if r["mediagw"]["clean"] and r["janus"]["clean"]]
        if len(clean) < 2:
            print("\nfewer than two clean points in (a): no slope")
            return
        xs = [n for n, _ in clean]
        s = {name: (slope(xs, [r[name]["server_cpu_pct"] for _, r in clean]),
                    slope(xs, [r[name]["server_peak_rss_mb"] for _, r in clean])) for name in ("mediagw", "janus")}
        print(f"\nmarginal cost per subscriber (slope over {xs}):")
        for name, (c, m) in s.items():
            print(f"  {name:<8} {c:.3f} % of a core, {m:.3f} MB")
        # Latency and loss where mediagw is loaded most and still clean (a larger point than the
        # last one both servers pass, when Janus saturates first).
        last = [r for _, r in fanout if r["mediagw"]["clean"]][-1]["mediagw"]
        print(f"latency and loss at {[n for n, r in fanout if r['mediagw']['clean']][-1]} subscribers")
        print(f"cpu_per_stream_ratio={s['mediagw'][0] / s['janus'][0]:.2f} "
              f"rss_per_participant_ratio={s['mediagw'][1] / s['janus'][1]:.2f} "
              f"added_latency_p99_ms={last['added_latency_p99_ms']:.2f} loss_pct={last['loss_pct']:.3f}")


if __name__ == "__main__":
    main()
