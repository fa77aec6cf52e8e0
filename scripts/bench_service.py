#!/usr/bin/env python3
"""Load test of `modelvet serve` on loopback (bounded): submissions per second and the latency of the
status endpoint while N workers drain the queue, on SQLite and on PostgreSQL.

    scripts/bench_service.py [--binary .build/release/modelvet] [--postgres URL] [--scans 400]
                             [--clients 16] [--workers 1 2] [--seconds 10]

For each database and each worker count it starts a fresh server (`--rate-limit` raised so the limiter
is not what is measured), then:
  1. submits --scans distinct small pickle uploads (a third with an os.system call, harmless text; never
     loaded) from --clients threads, and reports submissions/s and the POST latency p50/p99;
  2. while the workers drain that queue, loads GET /api/v1/scans/{id} for --seconds with wrk (Debian's
     package; 16 connections, 2 threads) or, without wrk, with --clients Python threads, and reports
     requests/s and p50/p99;
  3. waits for the queue to drain and reports jobs/s.
Prints a Markdown table (for docs/benchmarks.md) and the raw figures as JSON on the last line.
PostgreSQL is skipped when --postgres (or MODELVET_TEST_POSTGRES) is not given.
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid


def pickle_bytes(i, malicious):
    """A protocol-2 pickle: GLOBAL os.system + REDUCE with harmless text, or a plain tuple. Written, never loaded."""
    if malicious:
        arg = f"echo bench {i}".encode()
        return b"\x80\x02cos\nsystem\nq\x00X" + len(arg).to_bytes(4, "little") + arg + b"q\x01\x85q\x02Rq\x03."
    text = f"benign {i}".encode()
    return b"\x80\x02X" + len(text).to_bytes(4, "little") + text + b"q\x00\x85q\x01."


def request(url, token, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header("Authorization", "Bearer " + token)
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as response:
        payload = response.read()
        status = response.status
    return status, payload, time.perf_counter() - started


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def start_server(binary, workdir, database, workers):
    log = open(os.path.join(workdir, "serve.log"), "w")
    args = [binary, "serve", "--listen", "127.0.0.1:0", "--data", os.path.join(workdir, "data"), "--workers", str(workers),
            "--rate-limit", "100000000", "--log-level", "warning"]
    if database:
        args += ["--database", database]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    for _ in range(300):
        time.sleep(0.1)
        text = open(log.name).read()
        match = re.search(r"http://127\.0\.0\.1:\d+", text)
        if match:
            token = open(os.path.join(workdir, "data", "initial-admin-token")).read().strip()
            return process, match.group(0), token
        if process.poll() is not None:
            break
    process.kill()
    raise SystemExit(f"bench_service: the server did not start:\n{open(log.name).read()[-2000:]}")


def submit_all(base, token, scans, clients):
    latencies, ids, errors = [], [], []
    lock = threading.Lock()
    counter = iter(range(scans))

    def worker():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            body = pickle_bytes(i, i % 3 == 0)
            try:
                status, payload, seconds = request(base + "/api/v1/scans", token, "POST", body,
                                                   {"Content-Type": "application/octet-stream", "X-Filename": f"bench-{i}.pkl"})
                with lock:
                    latencies.append(seconds)
                    ids.append(json.loads(payload)["id"])
            except (urllib.error.URLError, OSError, ValueError) as error:
                with lock:
                    errors.append(str(error))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, ids, errors


def load_status(base, token, scan_id, seconds, clients):
    url = f"{base}/api/v1/scans/{scan_id}"
    wrk = shutil.which("wrk")
    if wrk:
        out = subprocess.run([wrk, "-t2", "-c16", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
                             capture_output=True, text=True, timeout=seconds + 60).stdout

        def ms(label):
            match = re.search(rf"^\s*{label}%?\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
            if not match:
                return None
            value, unit = float(match.group(1)), match.group(2)
            return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

        rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        return {"tool": "wrk -t2 -c16", "rps": float(rate.group(1)) if rate else None, "p50_ms": ms("50"), "p99_ms": ms("99"),
                "errors": int(non2xx.group(1)) if non2xx else 0}
    latencies, errors = [], 0
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def poll():
        nonlocal errors
        while time.perf_counter() < stop:
            try:
                _, _, elapsed = request(url, token)
                with lock:
                    latencies.append(elapsed)
            except (urllib.error.URLError, OSError):
                with lock:
                    errors += 1

    threads = [threading.Thread(target=poll) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"tool": f"python, {clients} threads", "rps": len(latencies) / seconds, "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "errors": errors}


def wait_drained(base, token, expected, timeout=600):
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        _, payload, _ = request(base + "/metrics", token)
        text = payload.decode()
        done = sum(float(m) for m in re.findall(r'^modelvet_jobs\{status="(?:done|failed)"\} ([\d.]+)', text, re.M))
        if done >= expected:
            return time.perf_counter() - started
        time.sleep(0.25)
    raise SystemExit("bench_service: the queue did not drain")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build/release/modelvet")
    parser.add_argument("--postgres", default=os.environ.get("MODELVET_TEST_POSTGRES"))
    parser.add_argument("--scans", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        raise SystemExit(f"bench_service: {args.binary} is not built (swift build -c release --product modelvet)")
    databases = [("SQLite", None)]
    if args.postgres:
        databases.append(("PostgreSQL", args.postgres))
    rows = []
    for name, url in databases:
        for workers in args.workers:
            workdir = tempfile.mkdtemp(prefix="modelvet-bench-")
            database = None
            if url:
                schema = "bench_" + uuid.uuid4().hex[:12]
                database = url + ("&" if "?" in url else "?") + "schema=" + schema
            process, base, token = start_server(args.binary, workdir, database, workers)
            try:
                # The workers start on the first submission; the drain rate counts from there to the last job done.
                submit_started = time.perf_counter()
                wall, latencies, ids, errors = submit_all(base, token, args.scans, args.clients)
                if errors or not ids:
                    raise SystemExit(f"bench_service: {len(errors)} submissions failed: {errors[:3]}")
                status = load_status(base, token, ids[-1], args.seconds, args.clients)
                wait_drained(base, token, args.scans)
                drained = time.perf_counter() - submit_started
                rows.append({"database": name, "workers": workers, "scans": args.scans, "clients": args.clients,
                             "submissions_per_s": args.scans / wall, "post_p50_ms": percentile(latencies, 50) * 1000,
                             "post_p99_ms": percentile(latencies, 99) * 1000, "status": status,
                             "jobs_per_s": args.scans / drained})
            finally:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                shutil.rmtree(workdir, ignore_errors=True)
    print("| database | workers | submissions/s | POST p50 / p99 (ms) | status GET req/s | status GET p50 / p99 (ms) | jobs/s (drain) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        status = row["status"]
        print(f"| {row['database']} | {row['workers']} | {row['submissions_per_s']:.0f} | {row['post_p50_ms']:.1f} / {row['post_p99_ms']:.1f} | "
              f"{status['rps']:.0f} | {status['p50_ms']:.2f} / {status['p99_ms']:.2f} | {row['jobs_per_s']:.1f} |")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
