#!/usr/bin/env python3
"""Change feed wake latency: one reader long-polls GET /changes (waitTime 5s) after its cursor
while a writer increments one entry at a time; latency = the reader's return - the moment the
write was sent. Prints p50/p99 in ms.   changes_wake.py PORT SAMPLES"""
import http.client, json, os, statistics, sys, threading, time

port, samples = int(sys.argv[1]), int(sys.argv[2])
headers = {"x-api-key": os.environ.get("SB_KEY", ""), "Content-Type": "application/json"}
base = "/cloud/v2/universes/7"
sent_at = {}
latencies = []
ready = threading.Event()


def reader():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cursor = "latest"
    while len(latencies) < samples:
        ready.set()
        c.request("GET", base + "/changes?waitTime=5s&startAfter=" + cursor, headers=headers)
        body = json.loads(c.getresponse().read())
        now = time.monotonic()
        for change in body["changes"]:
            key = change["path"].rsplit("/", 1)[1]
            if key in sent_at:
                latencies.append(now - sent_at[key])
        cursor = body["nextPageToken"]


t = threading.Thread(target=reader)
t.start()
w = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
deadline = time.monotonic() + 120  # bounded: a slow machine still stops
for i in range(samples):
    if time.monotonic() > deadline:
        break
    ready.wait()
    time.sleep(0.01)  # the reader is waiting again
    ready.clear()
    key = "w%d" % i
    sent_at[key] = time.monotonic()
    w.request("POST", base + "/data-stores/Wake/entries/" + key + ":increment", '{"amount":1}',
              headers)
    r = w.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("changes_wake: write answered %d" % r.status)
    while len(latencies) < i + 1 and time.monotonic() < deadline:
        time.sleep(0.001)
t.join(timeout=10)
if len(latencies) < samples:
    sys.exit("changes_wake: only %d of %d wake-ups measured" % (len(latencies), samples))
ms = sorted(x * 1000 for x in latencies)
print("p50 %.2f ms, p99 %.2f ms over %d wake-ups" % (statistics.median(ms),
                                                      ms[int(len(ms) * 0.99) - 1], len(ms)))
