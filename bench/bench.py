#!/usr/bin/env python3
"""spoolpost benchmark: drops N manifests into a temporary spool whose webhook account points at a loopback
sink (`spoolpost sandbox`), and prints throughput, drop-to-request latency when paced, CPU per manifest and RSS.

Every process it starts is stopped by its pid. Nothing leaves the machine."""
import argparse, json, os, re, shutil, signal, subprocess, sys, tempfile, time, urllib.request
from datetime import datetime, timezone

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
    parser.add_argument("--scheduled", type=int, default=200, help="posts scheduled 20 ms apart, for timing precision")
    parser.add_argument("--signing-seconds", type=float, default=1.0)
    parser.add_argument("--signing-rounds", type=int, default=9)
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
        idle_anon = rss_kib(daemon.pid, "RssAnon")
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
        # Scheduled precision: posts due 20 ms apart, from 2 s ahead; lateness = receive time - due time.
        due_at = {}
        first_due = time.time() + 2.0
        for i in range(args.scheduled):
            due = first_due + i * 0.020
            text = f"scheduled {i}"
            due_at[text] = due
            stamp = datetime.fromtimestamp(due, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            drop(spool, f"s{i:06d}.yaml", f"text: {text}\nschedule_at: {stamp}\ntargets: [webhook]\n")
        total = args.count + args.paced + args.scheduled
        wait_for("scheduled posts in done/", lambda: count_done(spool) >= total, timeout=600)

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/posts") as response:
            posts = json.load(response)["posts"]
        latencies = []
        lateness = []
        for post in posts:
            text = post.get("text") or ""
            received = post["receivedAt"]
            received = received if isinstance(received, (int, float)) else None
            if received is None:
                received = datetime.fromisoformat(post["receivedAt"].replace("Z", "+00:00")).timestamp()
            elif received < 1e9:  # Foundation's reference date (2001-01-01)
                received += 978307200
            if text in drops:
                latencies.append((received - drops[text]) * 1000)
            if text in due_at:
                lateness.append((received - due_at[text]) * 1000)
        latencies.sort()
        lateness.sort()
        def pct(p, values=latencies):
            return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")
        peak = rss_kib(daemon.pid, "VmHWM")

        print(f"manifests            {args.count} (one webhook target each, workers 5)")
        print(f"throughput           {args.count / elapsed:8.1f} manifests/s, {args.count / elapsed:8.1f} requests/s")
        print(f"CPU per manifest     {cpu / args.count * 1000:8.3f} ms")
        print(f"drop-to-request      p50 {pct(0.50):.2f} ms, p99 {pct(0.99):.2f} ms (paced at {args.rate:.0f}/s, {len(latencies)} samples)")
        print(f"idle RSS             {idle_rss / 1024:8.1f} MB ({idle_anon / 1024:.1f} MB private, the rest shared "
              f"library pages), idle CPU {idle_cpu * 1000:.1f} ms in 2 s")
        print(f"peak RSS             {peak / 1024:8.1f} MB")
        if lateness:
            print(f"scheduled lateness   p50 {pct(0.50, lateness):.2f} ms, p99 {pct(0.99, lateness):.2f} ms, "
                  f"earliest {lateness[0]:+.2f} ms ({len(lateness)} posts due 20 ms apart)")
        signing(args, work)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)

def signing(args, work):
    """V4 URL signing in-process against OpenSSL's own RSA-2048 sign rate on this machine."""
    key_pem = os.path.join(work, "bench-key.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key_pem],
                   check=True, capture_output=True)
    key_json = os.path.join(work, "bench-key.json")
    with open(key_json, "w") as f:
        json.dump({"type": "service_account", "client_email": "bench@bench.iam.gserviceaccount.com",
                   "private_key": open(key_pem).read()}, f)
    os.chmod(key_json, 0o600)
    def ours():
        out = subprocess.run([args.binary, "bench-signing", "--key", key_json, "--seconds", str(args.signing_seconds)],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)["urls_per_second"]
    def openssl():
        speed = subprocess.run(["openssl", "speed", "-seconds", str(max(1, int(args.signing_seconds))), "rsa2048"],
                               check=True, capture_output=True, text=True).stdout
        header = next(line for line in speed.splitlines() if "sign/s" in line).split()
        row = next(line for line in speed.splitlines() if line.startswith("rsa") and "2048" in line).split()
        # The row has words ("rsa", "2048", "bits") where the header has leading blanks: count from the right.
        return float(row[len(row) - len(header) + header.index("sign/s")])
    # Paired rounds, one right after the other, so both sides of a pair see the same machine (a shared VM's
    # speed drifts by a quarter from one second to the next); the median pair decides.
    pairs = []
    for _ in range(args.signing_rounds):
        pairs.append((ours(), openssl()))
    pairs.sort(key=lambda pair: pair[0] / pair[1])
    url_rate, openssl_rate = pairs[len(pairs) // 2]
    print(f"V4 URL signing       {url_rate:8.1f} URLs/s, openssl speed rsa2048 {openssl_rate:.1f} signs/s: "
          f"{url_rate / openssl_rate * 100:.1f}% of OpenSSL (median of {len(pairs)} paired rounds)")

if __name__ == "__main__":
    main()
