#!/usr/bin/python3
"""How late a restream is (issue 6): from a frame entering the gateway to its arrival at the RTMP
server. A benchmark, not a test: it prints numbers.

    scripts/bench-restream-latency.py [--seconds 20] [--width 1280 --height 720]

Method: a mediagw-client publishes `--pattern flash`: black video with one white frame on every
whole second of CLOCK_MONOTONIC (GStreamer's system clock), sent as soon as it is encoded. The
room is restreamed to a local nginx-rtmp; ffmpeg plays the stream from nginx with its buffering
off (-fflags nobuffer -flags low_delay) and writes 32x18 gray frames to a pipe; this script
notes time.monotonic() (the same clock) when a white frame comes out. latency = that time minus
the whole second the frame was made on. It includes the client's VP8 encode (a few ms), the
gateway (forwarding, decode, composite, x264, FLV, RTMP), nginx, and ffmpeg's receive and
decode, so it is an upper bound on the gateway's share. Run scripts/test.sh once first to build.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module  # noqa: E402

core = import_module("bench-core")
restream = import_module("bench-restream")
CLIENT = os.path.join(core.BUILD, "tools", "mediagw-client")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        gw, port = core.start_gateway(tmp)
        nginx, rtmp_port = restream.start_nginx(tmp)
        client = subprocess.Popen([CLIENT, "--server", f"ws://127.0.0.1:{port}", "--local-address", "127.0.0.1",
                                   "--room", "lat", "--name", "Flash",
                                   "--pattern", "flash", "--publish-only", "--duration", str(args.seconds + 30)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ffmpeg = None
        try:
            time.sleep(2)
            url = f"rtmp://127.0.0.1:{rtmp_port}/live/lat"
            api = f"http://127.0.0.1:{port}/v1/rooms/lat/restreams"
            r = restream.request("POST", api, json.dumps({"url": url, "width": args.width, "height": args.height}))
            for _ in range(50):
                if restream.request("GET", f"{api}/{r['id']}")["state"] == "live":
                    break
                time.sleep(0.2)
            ffmpeg = subprocess.Popen(["ffmpeg", "-v", "error", "-fflags", "nobuffer", "-flags", "low_delay",
                                       "-probesize", "32768", "-analyzeduration", "0", "-i", url, "-an",
                                       "-vf", "scale=32:18,format=gray", "-f", "rawvideo", "-"],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            frame = 32 * 18
            samples, lit_before = [], False
            end = time.monotonic() + args.seconds + 5
            while time.monotonic() < end:
                data = ffmpeg.stdout.read(frame)
                now = time.monotonic()
                if len(data) < frame:
                    break
                lit = sum(data) / frame > 100
                if lit and not lit_before and now > end - args.seconds:
                    samples.append((now % 1.0) * 1000)
                lit_before = lit
            print(f"machine: {os.cpu_count()} cores; restream {args.width}x{args.height}@30 to nginx-rtmp on "
                  f"127.0.0.1, played by ffmpeg without buffering")
            if not samples:
                sys.exit("no flash arrived")
            samples.sort()
            print(f"flashes: {len(samples)}; latency from capture to ffmpeg's decoded frame, ms: "
                  f"min {samples[0]:.0f}, median {statistics.median(samples):.0f}, "
                  f"p90 {samples[int(0.9 * (len(samples) - 1))]:.0f}, max {samples[-1]:.0f}")
            print("(a latency above 1 s would wrap around: the composite's own latency is 0.3 s by design)")
        finally:
            restream.stop(gw, ffmpeg, client, nginx)


if __name__ == "__main__":
    main()
