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

Two traders (issue #17) commit transactions (`:commit`) in a loop: move coins between two of 8
accounts (with a `min` 0 guard, so some are refused), create a ledger entry naming the trade,
increment the trader's leaderboard entry, and add a queue item. After each restart every
acknowledged trade's ledger entry must be there and every refused one's absent (the one in
flight at the kill may be either), and every other effect must match the ledgers present
exactly: each account's coins, the total, each trader's count, the queue's size. A transaction
half present shows up as a mismatch.

A seasonal scorer (issue #18) increments entries of a board that resets every 2 seconds, so
the kills and restarts fall across resets. Each answer names the season it landed in; after each
restart every season read with `season=` must hold exactly its acknowledged scores (plus, for
one entry of one season, the increment in flight), in rank order: a write that landed in two
seasons, or was lost at a reset or a restart, shows up as a mismatch.

The change log (issue #21) is checked after each restart too: read from where the last check
stopped, each universe's records must be numbered without a gap or a repeat, every write
acknowledged since then must have its record (the entry's path and the etag it answered), and
each key's last record must name the revision now stored: no write without its record, no
record without its write.

--storage cluster (issue #16): three nodes in cluster mode on one scratch PostgreSQL with short
leases; every request goes to a random live node (which forwards it to the owner), each cycle
SIGKILLs a random node, lets the others take its partitions over, and restarts it (every other
time from an empty cache). A 503 or a lost connection is not an acknowledgement: the same
write is sent again (increments with their Idempotency-Key) until one is acknowledged, so each
key still has one well-defined last write. Writers spread over many universes (partitions).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
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

def base(universe=7):
    return "/cloud/v2/universes/%d/data-stores/CrashTest/entries" % universe


LOCKS = "/cloud/v2/universes/7/session-locks"
# The traders' universe: accounts, ledger, board and queue all in one (one partition).
TRADES = "/cloud/v2/universes/9"
ACCOUNTS = ["acct-%d" % i for i in range(8)]
INITIAL_COINS = 1000
BOARD = "/cloud/v2/universes/8/ordered-data-stores/CrashBoard/scopes/global/entries"
SEASONS = "/cloud/v2/universes/8/ordered-data-stores/CrashSeasons/scopes/global"
# Every server may take a 1-second reset schedule (the default floor is 60 s).
# and keep every season of a long run (10,000 seasons of 2 s: 5.5 hours), since each cycle
# verifies every season written to so far.
SEASON_FLAGS = ["--leaderboard-min-reset-interval-seconds", "1",
                "--max-leaderboard-archive-seasons", "10000"]
# Cluster mode: lease, renewal and tick short enough that a takeover fits a cycle.
CLUSTER_FLAGS = ["--partition-lease-ms", "3000", "--partition-renew-ms", "1000",
                 "--cluster-tick-ms", "200", "--postgres-partitions", "16"]
CLUSTER_SECRET = "kill9-cluster-admin-secret-0123456789"


def universe_of(key):
    """Cluster mode spreads writers over universes: w<N>-k<M> lives in universe 100 + N."""
    return 100 + int(key[1:key.index("-")])


class Target:
    """Where a worker sends its next request: one server, or a random live node of a cluster."""

    def __init__(self, servers, cluster):
        self.servers, self.cluster = servers, cluster

    def port(self):
        live = [s.port for s in self.servers if s.proc and s.proc.poll() is None]
        return random.choice(live) if live else self.servers[0].port

    def key_base(self, key):
        return base(universe_of(key)) if self.cluster else base()


class Server:
    def __init__(self, binary, data_dir, work_dir, extra_args=(), fixed_port=0):
        self.binary, self.data_dir, self.work_dir = binary, data_dir, work_dir
        self.extra_args = list(extra_args)
        self.fixed_port = fixed_port  # cluster mode: the port it advertises
        self.proc = None
        self.port = None
        self.starts = 0

    def start(self):
        self.starts += 1
        port_file = os.path.join(self.work_dir, "port.%d" % self.starts)
        log = open(os.path.join(self.work_dir, "server.log"), "ab")
        port = str(self.fixed_port) if self.fixed_port else "0"
        self.proc = subprocess.Popen(
            [self.binary, "--port", port, "--port-file", port_file, "--data-dir", self.data_dir,
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
                    if "--admin-key-file" not in self.extra_args:
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
        key = None
        if os.path.exists(key_path):
            with open(key_path) as f:
                key = f.read()
        shutil.rmtree(self.data_dir)
        os.makedirs(self.data_dir)
        if key is not None:
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


class Client:
    """Keep-alive connections to the target's nodes, one per port; a failed one is closed."""

    def __init__(self, target, timeout=5):
        self.target, self.timeout, self.conns = target, timeout, {}

    def request(self, method, path, body=None, headers=None):
        port = self.target.port()
        conn = self.conns.get(port)
        if conn is None:
            conn = self.conns[port] = http.client.HTTPConnection("127.0.0.1", port,
                                                                 timeout=self.timeout)
        try:
            conn.request(method, path, body, headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            del self.conns[port]
            raise

    def settled(self, method, path, body=None, headers=None, limit=20):
        """For verification: retries 503s and dead nodes (a partition moving) for `limit` s."""
        deadline = time.time() + limit
        while True:
            try:
                status, data = self.request(method, path, body, headers)
                if status != 503 or time.time() > deadline:
                    return status, data
            except (OSError, http.client.HTTPException):
                if time.time() > deadline:
                    raise
            time.sleep(0.05)

    def close(self):
        for conn in self.conns.values():
            conn.close()


def send_until_answered(client, stop, method, path, body, headers):
    """One write: the answer, or None when the server died under it (one node) or the run
    stopped while it was still refused (cluster). In cluster mode a 503 or a lost connection
    sends the same request again: it was not acknowledged, and may or may not have applied."""
    while True:
        try:
            status, data = client.request(method, path, body, headers)
        except (OSError, http.client.HTTPException):
            if not client.target.cluster or stop.is_set():
                return None
            time.sleep(0.05)
            continue
        if status == 503 and client.target.cluster:
            if stop.is_set():
                return None
            time.sleep(0.05)
            continue
        if status != 200:
            raise RuntimeError("unexpected %d: %s" % (status, data[:200]))
        return data


def writer(target, keys, states, stop, counters, lock, change_log):
    client = Client(target)
    try:
        while not stop.is_set():
            key = random.choice(keys)
            st = states[key]
            st.seq += 1
            value = {"key": key, "seq": st.seq, "pad": "x" * random.randint(0, 200)}
            st.inflight = value
            data = send_until_answered(
                client, stop, "PATCH", "%s/%s?allowMissing=true" % (target.key_base(key), key),
                json.dumps({"value": value}), {"Content-Type": "application/json"})
            if data is None:
                return  # the write in flight stays in st.inflight
            st.acked = (value, json.loads(data)["etag"])
            st.inflight = None
            with lock:
                counters["acknowledged"] += 1
                change_log.acked.append((key, st.acked[1]))
    finally:
        client.close()


def locker(target, lock_ids, tokens, stop, counters, lock):
    """Steals locks in a loop, recording the highest fencing token acknowledged per lock."""
    client = Client(target)
    try:
        while not stop.is_set():
            lock_id = random.choice(lock_ids)
            data = send_until_answered(client, stop, "POST", "%s/%s:steal" % (LOCKS, lock_id),
                                       json.dumps({"owner": "crash-test", "ttl": "60s"}),
                                       {"Content-Type": "application/json"})
            if data is None:
                return
            token = int(json.loads(data)["fencingToken"])
            with lock:
                tokens[lock_id] = max(tokens.get(lock_id, 0), token)
                counters["tokens"] += 1
    finally:
        client.close()


def scorer(target, entries, scores, stop, counters, lock):
    """Increments its own leaderboard entries; scores[id] = [acknowledged, in flight]. Each
    increment carries an Idempotency-Key, so sending it again can never apply it twice."""
    client = Client(target)
    try:
        while not stop.is_set():
            entry = random.choice(entries)
            amount = random.randint(1, 5)
            scores[entry][1] = amount
            data = send_until_answered(
                client, stop, "POST", "%s/%s:increment" % (BOARD, entry),
                json.dumps({"amount": amount}),
                {"Content-Type": "application/json", "Idempotency-Key": os.urandom(12).hex()})
            if data is None:
                return
            scores[entry] = [json.loads(data)["value"], 0]
            with lock:
                counters["increments"] += 1
    finally:
        client.close()


class SeasonScores:
    """What the seasonal scorer had acknowledged: acked[season][entry] = value, and the one
    increment in flight when the server died, (entry, amount) or None."""

    def __init__(self):
        self.acked, self.inflight = {}, None


def seasonal_scorer(target, entries, log, stop, counters, lock):
    """Increments entries of the resetting board, one at a time, with an Idempotency-Key."""
    client = Client(target)
    try:
        while not stop.is_set():
            entry = random.choice(entries)
            amount = random.randint(1, 5)
            log.inflight = (entry, amount)
            data = send_until_answered(
                client, stop, "POST", "%s/entries/%s:increment" % (SEASONS, entry),
                json.dumps({"amount": amount}),
                {"Content-Type": "application/json", "Idempotency-Key": os.urandom(12).hex()})
            if data is None:
                return
            answer = json.loads(data)
            log.acked.setdefault(answer["seasonId"], {})[entry] = answer["value"]
            log.inflight = None
            with lock:
                counters["season_increments"] += 1
    finally:
        client.close()


def verify_seasons(target, log):
    """Every season holds its acknowledged scores, ranked; the one in-flight increment is in at
    most one season. Returns losses."""
    lost = 0
    client = Client(target, timeout=10)
    inflight_seen = 0
    for season, acked in sorted(log.acked.items(), key=lambda kv: int(kv[0])):
        status, data = client.settled(
            "GET", "%s/entries?orderBy=value%%20desc&maxPageSize=1000&season=%s" % (SEASONS, season))
        if status != 200:
            print("SEASON %s UNREADABLE: %d %s" % (season, status, data[:200]), file=sys.stderr)
            lost += 1
            continue
        answer = json.loads(data)
        listed = answer["orderedDataStoreEntries"]
        stored = {e["id"]: e["value"] for e in listed}
        for entry in set(stored) | set(acked):
            have, want = stored.get(entry, 0), acked.get(entry, 0)
            if have == want:
                continue
            if log.inflight and entry == log.inflight[0] and have == want + log.inflight[1]:
                inflight_seen += 1
                acked[entry] = have
                continue
            lost += 1
            print("SEASON %s LOST SCORE %s: acked=%d stored=%d inflight=%s" %
                  (season, entry, want, have, log.inflight), file=sys.stderr)
        values = [e["value"] for e in listed]
        if (answer.get("seasonId") != season or values != sorted(values, reverse=True) or
                [e["rank"] for e in listed] != list(range(1, len(listed) + 1))):
            lost += 1
            print("SEASON %s RANKS DISAGREE: %s" % (season, data[:300]), file=sys.stderr)
    client.close()
    if inflight_seen > 1:
        print("AN INCREMENT LANDED IN %d SEASONS" % inflight_seen, file=sys.stderr)
        lost += 1
    log.inflight = None
    return lost


class TradeLog:
    """What the traders sent: trade id -> (from, to, amount, trader) by outcome."""

    def __init__(self):
        self.applied, self.refused, self.inflight = {}, {}, {}


def trade_body(tid, a, b, amount, trader_id):
    return json.dumps({"operations": [
        {"entry": {"dataStore": "CrashAccounts", "id": a},
         "patch": [{"op": "increment", "path": "/coins", "value": -amount, "min": 0}]},
        {"entry": {"dataStore": "CrashAccounts", "id": b},
         "patch": [{"op": "increment", "path": "/coins", "value": amount}]},
        {"entry": {"dataStore": "CrashLedger", "id": tid},
         "create": {"value": {"from": a, "to": b, "amount": amount, "trader": trader_id}}},
        {"orderedEntry": {"store": "CrashTrades", "id": "trader-%d" % trader_id},
         "increment": 1},
        {"queueItem": {"queue": "CrashTradeLog"},
         "add": {"data": {"trade": tid}, "ttl": "86400s"}}]})


def seed_accounts(target):
    client = Client(target, timeout=10)
    for account in ACCOUNTS:
        status, data = client.settled(
            "POST", "%s/data-stores/CrashAccounts/entries?id=%s" % (TRADES, account),
            json.dumps({"value": {"coins": INITIAL_COINS}}), {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError("seeding %s: %d %s" % (account, status, data[:200]))
    client.close()


def trader(target, trader_id, log, stop, counters, lock):
    """Commits trades one at a time; a 412 (too few coins) is a refusal, nothing written. Each
    carries an Idempotency-Key, so sending it again (cluster mode) never applies it twice."""
    client = Client(target)
    try:
        while not stop.is_set():
            tid = "t%d-%s" % (trader_id, os.urandom(6).hex())
            a, b = random.sample(ACCOUNTS, 2)
            amount = random.randint(1, 300)
            log.inflight[tid] = (a, b, amount, trader_id)
            headers = {"Content-Type": "application/json", "Idempotency-Key": tid}
            while True:
                try:
                    status, data = client.request("POST", TRADES + ":commit",
                                                  trade_body(tid, a, b, amount, trader_id), headers)
                except (OSError, http.client.HTTPException):
                    if not target.cluster or stop.is_set():
                        return  # the trade in flight stays in log.inflight
                    time.sleep(0.05)
                    continue
                if status == 503 and target.cluster and not stop.is_set():
                    time.sleep(0.05)
                    continue
                break
            if status == 503:
                return
            del log.inflight[tid]
            if status == 200:
                log.applied[tid] = (a, b, amount, trader_id)
                with lock:
                    counters["trades"] += 1
            elif status == 412:
                log.refused[tid] = (a, b, amount, trader_id)
            else:
                raise RuntimeError("unexpected %d: %s" % (status, data[:200]))
    finally:
        client.close()


def batch_get(client, path, ids):
    """{id: value or None} through :batchGet, 100 ids a call."""
    found = {}
    ids = list(ids)
    for i in range(0, len(ids), 100):
        status, data = client.settled("POST", path + ":batchGet",
                                      json.dumps({"ids": ids[i:i + 100]}),
                                      {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError("batchGet %s: %d %s" % (path, status, data[:200]))
        for item in json.loads(data)["results"]:
            if "entry" in item:
                found[item["entry"]["id"]] = item["entry"]["value"]
            else:
                found[item["id"]] = None
    return found


def verify_trades(target, log):
    """Every acknowledged trade whole, every refused one absent, and the accounts, the board and
    the queue exactly what the ledgers present say. Returns the number of mismatches."""
    lost = 0
    client = Client(target, timeout=10)
    sent = {}
    for outcome in (log.applied, log.refused, log.inflight):
        sent.update(outcome)
    ledger = batch_get(client, TRADES + "/data-stores/CrashLedger/entries", sent.keys())
    for tid in log.applied:
        if ledger.get(tid) is None:
            lost += 1
            print("LOST TRADE %s: acknowledged, no ledger entry" % tid, file=sys.stderr)
    for tid in log.refused:
        if ledger.get(tid) is not None:
            lost += 1
            print("REFUSED TRADE PRESENT %s" % tid, file=sys.stderr)
    for tid in list(log.inflight):
        trade = log.inflight.pop(tid)
        if ledger.get(tid) is not None:
            log.applied[tid] = trade
    expected = {a: INITIAL_COINS for a in ACCOUNTS}
    per_trader = {}
    for tid, (a, b, amount, trader_id) in log.applied.items():
        expected[a] -= amount
        expected[b] += amount
        per_trader[trader_id] = per_trader.get(trader_id, 0) + 1
    accounts = batch_get(client, TRADES + "/data-stores/CrashAccounts/entries", ACCOUNTS)
    stored = {a: (v or {}).get("coins") for a, v in accounts.items()}
    if stored != expected:
        lost += 1
        print("ACCOUNTS DISAGREE WITH THE LEDGER: stored=%s expected=%s" % (stored, expected),
              file=sys.stderr)
    for trader_id, count in per_trader.items():
        status, data = client.settled(
            "GET", "%s/ordered-data-stores/CrashTrades/scopes/global/entries/trader-%d"
            % (TRADES, trader_id))
        value = json.loads(data)["value"] if status == 200 else 0
        if value != count:
            lost += 1
            print("TRADE COUNT trader-%d: board %s, ledger %d" % (trader_id, value, count),
                  file=sys.stderr)
    status, data = client.settled("GET", TRADES + "/memory-store/queues/CrashTradeLog")
    size = json.loads(data)["size"] if status == 200 else 0
    if size != len(log.applied):
        lost += 1
        print("TRADE QUEUE holds %s items, the ledger %d" % (size, len(log.applied)),
              file=sys.stderr)
    client.close()
    return lost


def verify_board(target, scores):
    """Scores survive the kill, and the rebuilt rank index matches them. Returns losses."""
    lost = 0
    client = Client(target, timeout=10)
    stored = {}
    for entry, (acked, inflight) in scores.items():
        status, data = client.settled("GET", "%s/%s" % (BOARD, entry))
        value = json.loads(data)["value"] if status == 200 else 0
        if value != acked and value != acked + inflight:
            lost += 1
            print("LOST SCORE %s: acked=%d inflight=%d stored=%s" % (entry, acked, inflight, data),
                  file=sys.stderr)
        scores[entry] = [value, 0]
        if status == 200:
            stored[entry] = value
    _, data = client.settled("GET", "%s?orderBy=value%%20desc&maxPageSize=1000" % BOARD)
    listed = json.loads(data)["orderedDataStoreEntries"]
    client.close()
    ranks_ok = [e["rank"] for e in listed] == list(range(1, len(listed) + 1))
    values = [e["value"] for e in listed]
    if ({e["id"]: e["value"] for e in listed} != stored or values != sorted(values, reverse=True)
            or not ranks_ok):
        lost += 1
        print("RANK INDEX DISAGREES: listed=%s stored=%s" % (listed, stored), file=sys.stderr)
    return lost


def verify_tokens(target, tokens):
    """Every lock must hand out a token above every acknowledged one: none is ever reused."""
    reused = 0
    client = Client(target, timeout=10)
    for lock_id, acked in tokens.items():
        _, data = client.settled("POST", "%s/%s:steal" % (LOCKS, lock_id),
                                 json.dumps({"owner": "verifier", "ttl": "60s"}),
                                 {"Content-Type": "application/json"})
        token = int(json.loads(data)["fencingToken"])
        if token <= acked:
            reused += 1
            print("TOKEN REUSED %s: acknowledged %d, now issued %d" % (lock_id, acked, token),
                  file=sys.stderr)
        tokens[lock_id] = token
    client.close()
    return reused


def verify(target, states):
    """Returns the number of lost writes; resets each key's state to what is stored."""
    lost = 0
    client = Client(target, timeout=10)
    for key, st in states.items():
        status, data = client.settled("GET", "%s/%s" % (target.key_base(key), key))
        stored = json.loads(data) if status == 200 else None
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
    client.close()
    return lost


class ChangeLogCheck:
    """What the change log check knows between cycles."""

    def __init__(self):
        self.cursor = {}    # universe -> the last sequence checked
        self.last_rev = {}  # key -> the revision id of its last record seen
        self.acked = []     # (key, etag) acknowledged since the last check
        self.records = 0


def verify_change_log(target, states, check):
    """Returns the number of faults: a gap or repeat in a universe's sequence, an acknowledged
    write without its record, a key whose last record is not the revision stored."""
    lost = 0
    client = Client(target, timeout=10)
    universes = sorted({universe_of(k) for k in states}) if target.cluster else [7]
    seen = set()
    for u in universes:
        cursor = check.cursor.get(u, 0)
        while True:
            status, data = client.settled(
                "GET", "/cloud/v2/universes/%d/changes?maxPageSize=1000&startAfter=%d" % (u, cursor))
            if status != 200:
                print("LOST change log of universe %d unreadable: %d %s" % (u, status, data[:200]),
                      file=sys.stderr)
                lost += 1
                break
            page = json.loads(data)
            for change in page["changes"]:
                sequence = int(change["sequence"])
                if sequence != cursor + 1:
                    print("LOST change log of universe %d: %d follows %d" % (u, sequence, cursor),
                          file=sys.stderr)
                    lost += 1
                cursor = sequence
                check.records += 1
                path = change["path"]
                if change["kind"] == "entry" and "/data-stores/CrashTest/" in path:
                    key = path.rsplit("/", 1)[1]
                    check.last_rev[key] = change.get("revisionId")
                    seen.add((key, change.get("revisionId")))
            if int(page["nextPageToken"]) == cursor and not page["changes"]:
                break
            cursor = int(page["nextPageToken"])
        check.cursor[u] = cursor
    for key, etag in check.acked:
        if (key, etag) not in seen:
            print("LOST change record of acknowledged write %s etag %s" % (key, etag),
                  file=sys.stderr)
            lost += 1
    check.acked = []
    for key, st in states.items():
        stored = st.acked[1] if st.acked else None
        if check.last_rev.get(key) != stored:
            print("LOST %s: stored revision %s, last change record %s" %
                  (key, stored, check.last_rev.get(key)), file=sys.stderr)
            lost += 1
    client.close()
    return lost


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--writers", type=int, default=16)
    ap.add_argument("--keys-per-writer", type=int, default=8)
    ap.add_argument("--storage", choices=["rocksdb", "postgres", "cluster"], default="rocksdb",
                    help="postgres: a scratch PostgreSQL holds the truth, and every other "
                         "cycle deletes the local data directory (a cache) before restarting; "
                         "cluster: three nodes in cluster mode on it, a random one killed per "
                         "cycle")
    args = ap.parse_args()

    global API_KEY
    work = tempfile.mkdtemp(prefix="strongbox-kill9-")
    postgres = ScratchPostgres() if args.storage != "rocksdb" else None
    cluster = args.storage == "cluster"
    binary = os.path.abspath(args.binary)
    servers = []
    if cluster:
        API_KEY = CLUSTER_SECRET
        key_file = os.path.join(work, "admin.secret")
        with open(key_file, "w") as f:
            f.write(CLUSTER_SECRET + "\n")
        for n in range(3):
            port = free_port()
            node_dir = os.path.join(work, "node%d" % n)
            os.makedirs(node_dir)
            servers.append(Server(binary, os.path.join(node_dir, "data"), node_dir,
                                  ["--storage", "postgres", "--postgres-url", postgres.url,
                                   "--cluster", "--node-id", "node%d" % n, "--advertise-url",
                                   "http://127.0.0.1:%d" % port, "--admin-key-file", key_file]
                                  + CLUSTER_FLAGS + SEASON_FLAGS, fixed_port=port))
    else:
        extra = ["--storage", "postgres", "--postgres-url", postgres.url] if postgres else []
        servers.append(Server(binary, os.path.join(work, "data"), work, extra + SEASON_FLAGS))
    target = Target(servers, cluster)
    states = {}
    writer_keys = []
    for w in range(args.writers):
        keys = ["w%d-k%d" % (w, k) for k in range(args.keys_per_writer)]
        writer_keys.append(keys)
        for k in keys:
            states[k] = KeyState()
    counters = {"acknowledged": 0, "tokens": 0, "increments": 0, "trades": 0,
                "season_increments": 0}
    trade_log = TradeLog()
    season_log = SeasonScores()
    season_entries = ["q-%d" % e for e in range(10)]
    scorer_entries = [["s%d-e%d" % (s, e) for e in range(20)] for s in range(2)]
    scores = {e: [0, 0] for entries in scorer_entries for e in entries}
    lock_ids = ["lock-%d" % i for i in range(8)]
    tokens = {}
    change_log = ChangeLogCheck()
    lock = threading.Lock()
    lost = 0
    try:
        for server in servers:
            server.start()
        seed_accounts(target)
        settings = Client(target, timeout=10)
        status, data = settings.settled(
            "PATCH", SEASONS + ":settings",
            json.dumps({"resetSchedule": "@every 2s", "archiveSeasons": 10000}),
            {"Content-Type": "application/json"})
        settings.close()
        if status != 200:
            raise RuntimeError("cannot set the season schedule: %d %s" % (status, data[:200]))
        for cycle in range(args.cycles):
            stop = threading.Event()
            threads = [threading.Thread(target=writer,
                                        args=(target, keys, states, stop, counters, lock,
                                              change_log))
                       for keys in writer_keys]
            threads += [threading.Thread(target=locker,
                                         args=(target, lock_ids, tokens, stop, counters, lock))
                        for _ in range(2)]
            threads += [threading.Thread(target=scorer,
                                         args=(target, entries, scores, stop, counters, lock))
                        for entries in scorer_entries]
            threads.append(threading.Thread(
                target=seasonal_scorer,
                args=(target, season_entries, season_log, stop, counters, lock)))
            threads += [threading.Thread(target=trader,
                                         args=(target, n, trade_log, stop, counters, lock))
                        for n in range(2)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0.3, 1.5))
            victim = random.choice(servers)
            victim.kill()
            if cluster:
                # The others go on serving (their partitions). Every other cycle the victim stays
                # down past its lease (3 s), so they take its partitions over, and comes back
                # from an empty cache to take a share again by hand-offs; in between it comes
                # back at once and takes its own partitions back (the same node id).
                time.sleep(4.5 if cycle % 2 == 0 else random.uniform(0.3, 1.5))
                if cycle % 2 == 0:
                    victim.wipe_cache()
                victim.start()
                time.sleep(random.uniform(0.5, 2.0))
            stop.set()
            for t in threads:
                t.join(timeout=30)
            if not cluster:
                if postgres and cycle % 2 == 0:
                    victim.wipe_cache()
                victim.start()
            cycle_lost = (verify(target, states) + verify_tokens(target, tokens) +
                          verify_board(target, scores) + verify_trades(target, trade_log) +
                          verify_seasons(target, season_log) +
                          verify_change_log(target, states, change_log))
            lost += cycle_lost
            print("cycle %d: acknowledged so far %d writes, %d lock tokens, %d increments, "
                  "%d trades, %d seasonal increments over %d seasons, %d change records checked; "
                  "lost %d" %
                  (cycle + 1, counters["acknowledged"], counters["tokens"], counters["increments"],
                   counters["trades"], counters["season_increments"], len(season_log.acked),
                   change_log.records, cycle_lost), flush=True)
        for server in servers:
            code = server.stop()
            if code != 0:
                print("strongbox exited %s on SIGTERM" % code, file=sys.stderr)
                lost += 1
    finally:
        for server in servers:
            if server.proc and server.proc.poll() is None:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)
        if postgres:
            postgres.close()
    print("storage=%s cycles=%d acknowledged=%d tokens=%d increments=%d trades=%d "
          "season_increments=%d seasons=%d lost=%d" %
          (args.storage, args.cycles, counters["acknowledged"], counters["tokens"],
           counters["increments"], counters["trades"], counters["season_increments"],
           len(season_log.acked), lost))
    if counters["acknowledged"] == 0 or counters["trades"] == 0:
        print("no write or no trade was acknowledged: the test proved nothing", file=sys.stderr)
        return 1
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
