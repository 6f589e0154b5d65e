#!/usr/bin/env python3
"""Webhook delivery throughput (issue #21): a receiver on 127.0.0.1 (HTTP/1.1 keep-alive, one
thread per connection, every signature checked) and SUBS subscriptions created with startAfter=0
over a universe whose log already holds RECORDS changes; timed from the creates until every
subscription's receiver got every record. Prints batches/s and changes/s.
   webhooks_deliver.py PORT UNIVERSE RECORDS SUBS TIMEOUT_S"""
import hashlib, hmac, http.client, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, universe, records, subs, timeout = (int(a) for a in sys.argv[1:6])
headers = {"x-api-key": os.environ.get("SB_KEY", ""), "Content-Type": "application/json"}
secrets = {}
received = {}  # subscription id -> set of sequences
batches = [0]
bad = []
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        sub = self.headers["Strongbox-Subscription"]
        t, v1 = (part.split("=", 1)[1] for part in self.headers["Strongbox-Signature"].split(","))
        with lock:
            secret = secrets.get(sub)
        if secret is None:  # the create's answer is not in yet: refuse, it comes again
            self.send_response(503)
        else:
            want = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(want, v1):
                bad.append(sub)
            with lock:
                batches[0] += 1
                received.setdefault(sub, set()).update(
                    int(c["sequence"]) for c in json.loads(body)["changes"])
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d/hook" % server.server_address[1]

c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
base = "/cloud/v2/universes/%d/subscriptions" % universe
started = time.monotonic()
for i in range(subs):
    sid = "bench-hook-%d" % i
    c.request("POST", base, json.dumps({"id": sid, "deliveryUrl": url, "startAfter": "0"}),
              headers)
    r = c.getresponse()
    answer = json.loads(r.read())
    if r.status != 200:
        sys.exit("webhooks_deliver: create answered %d %s" % (r.status, answer))
    with lock:
        secrets[sid] = answer["secret"]

deadline = started + timeout  # bounded: a slow machine still stops
while time.monotonic() < deadline:
    with lock:
        done = sum(1 for s in received.values() if len(s) >= records)
    if done == subs:
        break
    time.sleep(0.05)
elapsed = time.monotonic() - started
for i in range(subs):
    c.request("DELETE", base + "/bench-hook-%d" % i, headers=headers)
    c.getresponse().read()
server.shutdown()
with lock:
    got = sum(len(s) for s in received.values())
if bad:
    sys.exit("webhooks_deliver: %d posts had a wrong signature" % len(bad))
if got < records * subs:
    sys.exit("webhooks_deliver: only %d of %d changes arrived in %d s" % (got, records * subs,
                                                                          timeout))
print("%d subscriptions x %d changes: %.0f batches/s, %.0f changes/s (%.1f s)" %
      (subs, records, batches[0] / elapsed, got / elapsed, elapsed))
