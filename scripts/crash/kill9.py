#!/usr/bin/env python3
"""Crash test for strongbox: concurrent writers, SIGKILL at random moments, verify.

Each writer thread owns its keys and writes them one request at a time, so for every key the
last acknowledged write is well defined. A write that was in flight when the server died may or
may not have committed; both outcomes are fine. After each restart every key must hold either
its last acknowledged value with that exact etag, or the value of the one write that was in
flight. Anything else is a lost write. Two more threads steal session locks in a loop; after
each restart every lock must issue a fencing token above every one acknowledged before the kill
(a reused token counts as lost). Two scorers increment leaderboard entries they own; after each
restart every entry must hold its acknowledged score (or that plus the increment in flight), and
the rank index rebuilt at startup must agree with the stored scores: the listing is exactly the
stored entries in score order, with consecutive ranks. Traffic goes only to 127.0.0.1.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

# Every request carries the bootstrap admin key, read from <data-dir>/admin.key at each start.
API_KEY = ""
_request = http.client.HTTPConnection.request


def _with_key(self, method, url, body=None, headers=None, **kw):
    headers = dict(headers or {})
    headers.setdefault("x-api-key", API_KEY)
    return _request(self, method, url, body, headers, **kw)


http.client.HTTPConnection.request = _with_key

BASE = "/cloud/v2/universes/7/data-stores/CrashTest/entries"
LOCKS = "/cloud/v2/universes/7/session-locks"
BOARD = "/cloud/v2/universes/7/ordered-data-stores/CrashBoard/scopes/global/entries"


class Server:
    def __init__(self, binary, data_dir, work_dir, extra_args=()):
        self.binary, self.data_dir, self.work_dir = binary, data_dir, work_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.starts = 0

    def start(self):
        self.starts += 1
        port_file = os.path.join(self.work_dir, "port.%d" % self.starts)
        log = open(os.path.join(self.work_dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--port", "0", "--port-file", port_file, "--data-dir", self.data_dir,
             "--listen-address", "127.0.0.1", "--log-level", "warn"] + self.extra_args,
            stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("strongbox exited during start: %s" % self.proc.returncode)
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    global API_KEY
                    with open(os.path.join(self.data_dir, "admin.key")) as f:
                        API_KEY = f.read().strip()
                    return
            except FileNotFoundError:
                pass
            time.sleep(0.01)
        raise RuntimeError("strongbox did not start within 20 s")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def wipe_cache(self):
        """Storage mode postgres: the data directory is a cache; delete it but the admin key."""
        key_path = os.path.join(self.data_dir, "admin.key")
        with open(key_path) as f:
            key = f.read()
        shutil.rmtree(self.data_dir)
        os.makedirs(self.data_dir)
        with open(key_path, "w") as f:
            f.write(key)
        os.chmod(key_path, 0o600)


    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9


class ScratchPostgres:
    """A PostgreSQL of this run's own (scripts/pg.sh), with one database for strongbox."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="strongbox-kill9-pg-")
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pg.sh")
        self.script = os.path.normpath(script)
        url = subprocess.check_output([self.script, "start", self.dir], text=True).strip()
        subprocess.check_call(["psql", url, "-qc", "CREATE DATABASE strongbox"])
        self.url = url.replace("dbname=postgres", "dbname=strongbox")

    def close(self):
        subprocess.call([self.script, "stop", self.dir])
        shutil.rmtree(self.dir, ignore_errors=True)


class KeyState:
    """What the client knows about one key."""

    def __init__(self):
        self.acked = None      # (value, etag) of the last acknowledged write
        self.inflight = None   # value of a write sent but not acknowledged
        self.seq = 0


def writer(port, keys, states, stop, counters, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        while not stop.is_set():
            key = random.choice(keys)
            st = states[key]
            st.seq += 1
            value = {"key": key, "seq": st.seq, "pad": "x" * random.randint(0, 200)}
            st.inflight = value
            body = json.dumps({"value": value})
            conn.request("PATCH", "%s/%s?allowMissing=true" % (BASE, key), body,
                         {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise RuntimeError("unexpected %d: %s" % (resp.status, data[:200]))
            entry = json.loads(data)
            st.acked = (value, entry["etag"])
            st.inflight = None
            with lock:
                counters["acknowledged"] += 1
    except (OSError, http.client.HTTPException):
        pass  # the server was killed under us; the write in flight stays in st.inflight
    finally:
        conn.close()


def locker(port, lock_ids, tokens, stop, counters, lock):
    """Steals locks in a loop, recording the highest fencing token acknowledged per lock."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        while not stop.is_set():
            lock_id = random.choice(lock_ids)
            conn.request("POST", "%s/%s:steal" % (LOCKS, lock_id),
                         json.dumps({"owner": "crash-test", "ttl": "60s"}),
                         {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise RuntimeError("unexpected %d: %s" % (resp.status, data[:200]))
            token = int(json.loads(data)["fencingToken"])
            with lock:
                tokens[lock_id] = max(tokens.get(lock_id, 0), token)
                counters["tokens"] += 1
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()


def scorer(port, entries, scores, stop, counters, lock):
    """Increments its own leaderboard entries; scores[id] = [acknowledged, in flight]."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        while not stop.is_set():
            entry = random.choice(entries)
            amount = random.randint(1, 5)
            scores[entry][1] = amount
            conn.request("POST", "%s/%s:increment" % (BOARD, entry),
                         json.dumps({"amount": amount}), {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise RuntimeError("unexpected %d: %s" % (resp.status, data[:200]))
            scores[entry] = [json.loads(data)["value"], 0]
            with lock:
                counters["increments"] += 1
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()


def verify_board(port, scores):
    """Scores survive the kill, and the rebuilt rank index matches them. Returns losses."""
    lost = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    stored = {}
    for entry, (acked, inflight) in scores.items():
        conn.request("GET", "%s/%s" % (BOARD, entry))
        resp = conn.getresponse()
        data = resp.read()
        value = json.loads(data)["value"] if resp.status == 200 else 0
        if value != acked and value != acked + inflight:
            lost += 1
            print("LOST SCORE %s: acked=%d inflight=%d stored=%s" % (entry, acked, inflight, data),
                  file=sys.stderr)
        scores[entry] = [value, 0]
        if resp.status == 200:
            stored[entry] = value
    conn.request("GET", "%s?orderBy=value%%20desc&maxPageSize=1000" % BOARD)
    listed = json.loads(conn.getresponse().read())["orderedDataStoreEntries"]
    conn.close()
    ranks_ok = [e["rank"] for e in listed] == list(range(1, len(listed) + 1))
    values = [e["value"] for e in listed]
    if ({e["id"]: e["value"] for e in listed} != stored or values != sorted(values, reverse=True)
            or not ranks_ok):
        lost += 1
        print("RANK INDEX DISAGREES: listed=%s stored=%s" % (listed, stored), file=sys.stderr)
    return lost


def verify_tokens(port, tokens):
    """Every lock must hand out a token above every acknowledged one: none is ever reused."""
    reused = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for lock_id, acked in tokens.items():
        conn.request("POST", "%s/%s:steal" % (LOCKS, lock_id),
                     json.dumps({"owner": "verifier", "ttl": "60s"}),
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        token = int(json.loads(resp.read())["fencingToken"])
        if token <= acked:
            reused += 1
            print("TOKEN REUSED %s: acknowledged %d, now issued %d" % (lock_id, acked, token),
                  file=sys.stderr)
        tokens[lock_id] = token
    conn.close()
    return reused


def verify(port, states):
    """Returns the number of lost writes; resets each key's state to what is stored."""
    lost = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for key, st in states.items():
        conn.request("GET", "%s/%s" % (BASE, key))
        resp = conn.getresponse()
        data = resp.read()
        stored = json.loads(data) if resp.status == 200 else None
        ok = False
        if stored is not None and st.acked is not None and stored["value"] == st.acked[0] \
                and stored["etag"] == st.acked[1]:
            ok = True
        elif stored is not None and st.inflight is not None and stored["value"] == st.inflight:
            ok = True
        elif stored is None and st.acked is None:
            ok = True
        if not ok:
            lost += 1
            print("LOST %s: acked=%s inflight=%s stored=%s" %
                  (key, st.acked, st.inflight, data[:300]), file=sys.stderr)
        if stored is not None:
            st.acked = (stored["value"], stored["etag"])
            st.seq = max(st.seq, stored["value"].get("seq", 0))
        st.inflight = None
    conn.close()
    return lost


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--writers", type=int, default=16)
    ap.add_argument("--keys-per-writer", type=int, default=8)
    ap.add_argument("--storage", choices=["rocksdb", "postgres"], default="rocksdb",
                    help="postgres: a scratch PostgreSQL holds the truth, and every other "
                         "cycle deletes the local data directory (a cache) before restarting")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="strongbox-kill9-")
    postgres = ScratchPostgres() if args.storage == "postgres" else None
    extra = ["--storage", "postgres", "--postgres-url", postgres.url] if postgres else []
    server = Server(os.path.abspath(args.binary), os.path.join(work, "data"), work, extra)
    states = {}
    writer_keys = []
    for w in range(args.writers):
        keys = ["w%d-k%d" % (w, k) for k in range(args.keys_per_writer)]
        writer_keys.append(keys)
        for k in keys:
            states[k] = KeyState()
    counters = {"acknowledged": 0, "tokens": 0, "increments": 0}
    scorer_entries = [["s%d-e%d" % (s, e) for e in range(20)] for s in range(2)]
    scores = {e: [0, 0] for entries in scorer_entries for e in entries}
    lock_ids = ["lock-%d" % i for i in range(8)]
    tokens = {}
    lock = threading.Lock()
    lost = 0
    try:
        server.start()
        for cycle in range(args.cycles):
            stop = threading.Event()
            threads = [threading.Thread(target=writer,
                                        args=(server.port, keys, states, stop, counters, lock))
                       for keys in writer_keys]
            threads += [threading.Thread(target=locker,
                                         args=(server.port, lock_ids, tokens, stop, counters,
                                               lock))
                        for _ in range(2)]
            threads += [threading.Thread(target=scorer,
                                         args=(server.port, entries, scores, stop, counters, lock))
                        for entries in scorer_entries]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0.3, 1.5))
            server.kill()
            stop.set()
            for t in threads:
                t.join(timeout=10)
            if postgres and cycle % 2 == 0:
                server.wipe_cache()
            server.start()
            cycle_lost = (verify(server.port, states) + verify_tokens(server.port, tokens) +
                          verify_board(server.port, scores))
            lost += cycle_lost
            print("cycle %d: acknowledged so far %d writes, %d lock tokens, %d increments; lost %d"
                  % (cycle + 1, counters["acknowledged"], counters["tokens"],
                     counters["increments"], cycle_lost), flush=True)
        code = server.stop()
        if code != 0:
            print("strongbox exited %s on SIGTERM" % code, file=sys.stderr)
            lost += 0 if code == 0 else 1
    finally:
        if server.proc and server.proc.poll() is None:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)
        if postgres:
            postgres.close()
    print("storage=%s cycles=%d acknowledged=%d tokens=%d increments=%d lost=%d" %
          (args.storage, args.cycles, counters["acknowledged"], counters["tokens"], counters["increments"], lost))
    if counters["acknowledged"] == 0:
        print("no write was acknowledged: the test proved nothing", file=sys.stderr)
        return 1
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
