#!/usr/bin/env python3
"""spoolpost benchmark: drops N manifests into a temporary spool whose webhook account points at a loopback
sink (`spoolpost sandbox`), and prints throughput, drop-to-request latency when paced, CPU per manifest and RSS.

Every process it starts is stopped by its pid. Nothing leaves the machine."""
import argparse, json, os, re, shutil, signal, subprocess, sys, tempfile, time, urllib.request

def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def wait_for(what, condition, timeout=120):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.005)

def drop(spool, name, text):
    tmp = os.path.join(spool, "pending", "." + name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(spool, "pending", name))

def count_done(spool):
    return sum(1 for n in os.listdir(os.path.join(spool, "done")) if n.endswith(".status.yaml"))

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="./.build/release/spoolpost")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--paced", type=int, default=400)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="spoolpost-bench-")
    procs = []
    try:
        sink = subprocess.Popen([args.binary, "sandbox", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(sink)
        line = sink.stdout.readline()
        port = int(re.search(r":(\d+)/", line).group(1))
        config = os.path.join(work, "spoolpost.yaml")
        with open(config, "w") as f:
            f.write(f"spool: spool\nworkers: 5\naccounts:\n  sink:\n    platform: webhook\n    url: http://127.0.0.1:{port}/webhook/sink\n")
        spool = os.path.join(work, "spool")
        log = open(os.path.join(work, "daemon.log"), "w")
        daemon = subprocess.Popen([args.binary, "run", "--config", config, "--log-level", "warning"], stderr=log, stdout=log)
        procs.append(daemon)
        wait_for("the spool", lambda: os.path.exists(os.path.join(spool, ".lock")) and os.path.isdir(os.path.join(spool, "done")))
        time.sleep(1.0)
        idle_rss = rss_kib(daemon.pid, "VmRSS")
        idle_cpu0 = cpu_seconds(daemon.pid)
        time.sleep(2.0)
        idle_cpu = cpu_seconds(daemon.pid) - idle_cpu0

        # Throughput: drop everything at once, time from first drop to last done.
        cpu0 = cpu_seconds(daemon.pid)
        start = time.time()
        for i in range(args.count):
            drop(spool, f"t{i:06d}.yaml", f"text: throughput {i}\ntargets: [webhook]\n")
        wait_for("all posts in done/", lambda: count_done(spool) >= args.count, timeout=600)
        elapsed = time.time() - start
        cpu = cpu_seconds(daemon.pid) - cpu0

        # Latency: paced drops, drop time to the sink's receive time.
        drops = {}
        interval = 1.0 / args.rate
        next_at = time.time()
        for i in range(args.paced):
            # Sleep rather than spin: a spinning loop would take one of the two cores from the daemon.
            delay = next_at - time.time()
            if delay > 0:
                time.sleep(delay)
            text = f"paced {i}"
            drops[text] = time.time()
            drop(spool, f"p{i:06d}.yaml", f"text: {text}\ntargets: [webhook]\n")
            next_at += interval
        wait_for("paced posts in done/", lambda: count_done(spool) >= args.count + args.paced, timeout=600)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/posts") as response:
            posts = json.load(response)["posts"]
        latencies = []
        for post in posts:
            text = post.get("text") or ""
            if text in drops:
                received = post["receivedAt"]
                received = received if isinstance(received, (int, float)) else None
                if received is None:
                    from datetime import datetime
                    received = datetime.fromisoformat(post["receivedAt"].replace("Z", "+00:00")).timestamp()
                elif received < 1e9:  # Foundation's reference date (2001-01-01)
                    received += 978307200
                latencies.append((received - drops[text]) * 1000)
        latencies.sort()
        def pct(p):
            return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else float("nan")
        peak = rss_kib(daemon.pid, "VmHWM")

        print(f"manifests            {args.count} (one webhook target each, workers 5)")
        print(f"throughput           {args.count / elapsed:8.1f} manifests/s, {args.count / elapsed:8.1f} requests/s")
        print(f"CPU per manifest     {cpu / args.count * 1000:8.3f} ms")
        print(f"drop-to-request      p50 {pct(0.50):.2f} ms, p99 {pct(0.99):.2f} ms (paced at {args.rate:.0f}/s, {len(latencies)} samples)")
        print(f"idle RSS             {idle_rss / 1024:8.1f} MB, idle CPU {idle_cpu * 1000:.1f} ms in 2 s")
        print(f"peak RSS             {peak / 1024:8.1f} MB")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
