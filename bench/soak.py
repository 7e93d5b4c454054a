#!/usr/bin/env python3
"""spoolpost soak: posts in rounds to a webhook receiver (`spoolpost sandbox`, a separate process, on loopback),
with ten SIGHUPs (credentials reloads) after each round, and prints the daemon's threads, descriptors and RSS
after every round, so that a leak shows as growth.

    python3 bench/soak.py .build/release/spoolpost [ROUNDS [POSTS_PER_ROUND]]

Every process it starts is stopped by its pid. Nothing leaves the machine."""
import os, signal, subprocess, sys, tempfile, time, shutil

binary = os.path.abspath(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 4
per_round = int(sys.argv[3]) if len(sys.argv) > 3 else 1500
root = tempfile.mkdtemp(prefix="spoolpost-soak-")
spool = os.path.join(root, "spool")
log = open(os.path.join(root, "daemon.log"), "w")
sink = None
daemon = None

def sample(label):
    with open(f"/proc/{daemon.pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    fds = len(os.listdir(f"/proc/{daemon.pid}/fd"))
    print(f"{label:28} threads {fields['Threads'].strip():>3}  fds {fds:>4}  RSS {fields['VmRSS'].strip():>10}  "
          f"anon {fields['RssAnon'].strip():>10}", flush=True)

def done_count():
    return sum(1 for n in os.listdir(os.path.join(spool, "done")) if n.endswith(".status.yaml"))

def wait(what, condition, timeout=600):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline or (daemon is not None and daemon.poll() is not None):
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.05)

try:
    # The receiver runs apart, so that what the daemon's memory holds is the daemon's own.
    sink_log = open(os.path.join(root, "sink.log"), "w")
    sink = subprocess.Popen([binary, "sandbox", "--port", "0"], stdout=sink_log, stderr=sink_log)
    deadline = time.time() + 30
    base = None
    while base is None and time.time() < deadline:
        text = open(sink_log.name).read()
        if "sandbox listening on " in text:
            base = text.split("sandbox listening on ", 1)[1].split()[0].rstrip("/")
        time.sleep(0.05)
    config = os.path.join(root, "spoolpost.yaml")
    with open(config, "w") as f:
        f.write(f"spool: spool\nworkers: 5\naccounts:\n  hooks:\n    platform: webhook\n    url: {base}/webhook/hooks\n")
    daemon = subprocess.Popen([binary, "run", "--config", config], stdout=log, stderr=log, cwd=root)
    wait("the spool", lambda: os.path.isdir(os.path.join(spool, "pending")) and "spool ready" in open(log.name).read())
    time.sleep(2)
    sample("idle at start")
    total = 0
    for r in range(rounds):
        for i in range(per_round):
            name = f"r{r}-{i}.yaml"
            tmp = os.path.join(spool, "pending", "." + name)
            with open(tmp, "w") as f:
                f.write(f"id: soak-{r}-{i}\ntext: round {r} post {i}\ntargets:\n  - platform: webhook\n    account: hooks\n")
            os.rename(tmp, os.path.join(spool, "pending", name))
        total += per_round
        wait(f"round {r}", lambda: done_count() >= total)
        for _ in range(10):
            os.kill(daemon.pid, signal.SIGHUP)
            time.sleep(0.2)
        time.sleep(2)
        sample(f"after round {r + 1} ({total} posts)")
    failed = len(os.listdir(os.path.join(spool, "failed")))
    print(f"done {done_count()}, failed/ entries {failed}")
finally:
    for process in (daemon, sink):
        if process is None:
            continue
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if daemon is not None:
        print("daemon exit", daemon.returncode)
    shutil.rmtree(root, ignore_errors=True)
