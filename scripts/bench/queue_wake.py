#!/usr/bin/env python3
"""Long-poll wake latency: one reader waits (waitTime 5s) on an empty queue while a writer adds
one item at a time; latency = reader's return - the moment the add was sent. Prints p50/p99."""
import http.client, json, os, statistics, sys, threading, time

# Every request carries the bench's admin key (scripts/bench/lib.sh exports SB_KEY).
_request = http.client.HTTPConnection.request
def _with_key(self, method, url, body=None, headers=None, **kw):
    headers = dict(headers or {})
    headers.setdefault("x-api-key", os.environ.get("SB_KEY", ""))
    return _request(self, method, url, body, headers, **kw)
http.client.HTTPConnection.request = _with_key

port, samples = int(sys.argv[1]), int(sys.argv[2])
base = "/cloud/v2/universes/1/memory-store/queues/Wake/items"
sent_at = {}
latencies = []
done = threading.Event()

def reader():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while len(latencies) < samples:
        c.request("GET", base + ":read?waitTime=5s&count=1")
        body = json.loads(c.getresponse().read())
        now = time.monotonic()
        for d in body["data"]:
            latencies.append(now - sent_at[d])
        if body["readId"]:
            c.request("POST", base + ":discard?readId=" + body["readId"])
            c.getresponse().read()
    done.set()

t = threading.Thread(target=reader)
t.start()
w = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
i = 0
while not done.is_set():
    time.sleep(0.02)  # the reader is back in its wait by then
    sent_at[i] = time.monotonic()
    w.request("POST", base, json.dumps({"data": i, "ttl": "60s"}))
    w.getresponse().read()
    i += 1
t.join()
lat = sorted(x * 1000 for x in latencies)
print("long-poll wake: %d samples, p50 %.2f ms, p99 %.2f ms" %
      (len(lat), statistics.median(lat), lat[int(len(lat) * 0.99) - 1]))
