#!/usr/bin/python3
"""The console in a real browser (issue #19): Debian's chromium driven by python3-selenium and
chromium-driver, against the real binary.

    console_test.py STRONGBOX_BINARY SCREENSHOT_DIR

Starts strongbox on a free loopback port (readme_examples.Server), seeds it over HTTP, then walks
what a support person does: sign in (a wrong key refused), find entries by prefix, edit one with
etag compare-and-swap, meet a conflict when the entry changed underneath and merge, diff two
revisions, restore one and see the value back, look up a rank and set a score, create a key (its
secret shown once), revoke it and see the next call with it refused, see a stored
<img onerror>/<script> value as text, see a read-only key offered no write controls, confirm or
cancel destructive actions, see the health charts drawn, and load the whole console through a
reverse proxy that mounts the server under a path prefix. Screenshots of the main pages go to
SCREENSHOT_DIR.

Exit 77 (ctest: skipped) when chromium, chromedriver or selenium is missing, unless
STRONGBOX_REQUIRE_BROWSER=1 (scripts/test.sh sets it, after installing them): then it fails.
Bounded: every wait is at most WAIT_S; the whole test takes about half a minute.
"""

import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs"))
from readme_examples import Server  # noqa: E402

WAIT_S = 15
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
XSS_NAME = "<img src=x onerror=\"window.__pwned=1;document.title='pwned'\">"
XSS_BIO = "<script>window.__pwned=2;document.title='pwned'</script>"

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.common.exceptions import (ElementClickInterceptedException,
                                            NoSuchElementException,
                                            StaleElementReferenceException, TimeoutException)
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    webdriver = None


def skip_or_fail(why):
    if os.environ.get("STRONGBOX_REQUIRE_BROWSER") == "1":
        sys.exit(f"FAIL: {why} (STRONGBOX_REQUIRE_BROWSER=1)")
    print(f"SKIP: {why}")
    sys.exit(77)


class Api:
    """Plain HTTP calls beside the browser: seeding, writes underneath it, and checks."""

    def __init__(self, base, key):
        self.base = base
        self.key = key

    def call(self, method, path, body=None, key=None, expect=None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"x-api-key": key or self.key,
                                              "content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as answer:
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if expect is not None and status != expect:
            raise AssertionError(f"{method} {path}: {status}, expected {expect}: {text}")
        return status, (json.loads(text) if text.startswith("{") else text)


class PrefixProxy:
    """A reverse proxy on a free loopback port that serves strongbox under /support/, as nginx
    with `location /support/ { proxy_pass http://strongbox/; }` would."""

    def __init__(self, upstream):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.forward()

            def do_POST(self):  # noqa: N802
                self.forward()

            def do_PATCH(self):  # noqa: N802
                self.forward()

            def do_DELETE(self):  # noqa: N802
                self.forward()

            def forward(self):
                if not self.path.startswith("/support/"):
                    self.send_error(404)
                    return
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("x-api-key", "content-type", "accept")}
                req = urllib.request.Request(upstream + self.path[len("/support"):], data=body,
                                             method=self.command, headers=headers)

                class NoRedirect(urllib.request.HTTPRedirectHandler):
                    def redirect_request(self, *args, **kwargs):
                        return None

                opener = urllib.request.build_opener(NoRedirect)
                try:
                    answer = opener.open(req, timeout=10)
                    status, answer_headers, data = answer.status, answer.headers, answer.read()
                except urllib.error.HTTPError as error:
                    status, answer_headers, data = error.code, error.headers, error.read()
                self.send_response(status)
                for k, v in answer_headers.items():
                    if k.lower() not in ("server", "date", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


class Console:
    def __init__(self, driver, base, shots):
        self.d = driver
        self.base = base
        self.shots = shots

    def wait(self, predicate, what):
        try:
            # Stale elements are expected: a view re-renders as its requests answer.
            return WebDriverWait(self.d, WAIT_S, poll_frequency=0.05,
                                 ignored_exceptions=(StaleElementReferenceException,
                                                     NoSuchElementException)).until(
                lambda d: predicate())
        except TimeoutException as error:
            self.shot("failure")
            raise AssertionError(f"timed out waiting for {what}; status line: "
                                 f"{self.text('status')!r}") from error

    def find(self, css):
        found = self.d.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found else None

    def present(self, css, what=None):
        return self.wait(lambda: self.find(css), what or css)

    def click(self, element):
        """A real click; retried while the layout is still settling (cards filled in as their
        requests answer can move a button for a moment)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                element.click()
                return
            except ElementClickInterceptedException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def text(self, element_id):
        for _ in range(20):
            try:
                found = self.d.find_elements(By.ID, element_id)
                return found[0].text if found else ""
            except StaleElementReferenceException:
                time.sleep(0.05)
        return ""

    def go(self, hash_path, ready_css):
        self.d.execute_script("location.hash = arguments[0]", hash_path)
        return self.present(ready_css, f"{hash_path} to show {ready_css}")

    def sign_in(self, key):
        self.d.get(self.base + "console/")
        self.d.execute_script("sessionStorage.clear()")
        self.d.refresh()
        field = self.present("#api-key", "the sign-in form")
        field.clear()
        field.send_keys(key)
        self.click(self.find("#sign-in-button"))

    def confirm(self, ok=True):
        self.present("dialog[open]", "a confirmation dialog")
        self.click(self.find("#dialog-ok" if ok else "#dialog-cancel"))
        self.wait(lambda: not self.find("dialog[open]"), "the dialog to close")

    def shot(self, name):
        if self.shots:
            self.d.save_screenshot(os.path.join(self.shots, f"{name}.png"))


def seed(api):
    u = "/cloud/v2/universes/7"
    for i in (1, 2, 3):
        api.call("POST", f"{u}/data-stores/Inventory/entries?id=player:{i}",
                 {"value": {"coins": 10 * i, "items": ["sword"]}, "users": [f"users/{i}"]}, expect=200)
    api.call("POST", f"{u}/data-stores/Inventory/entries?id=guild:1", {"value": {"members": 3}},
             expect=200)
    api.call("POST", f"{u}/data-stores/Inventory/entries?id=xss",
             {"value": {"name": XSS_NAME, "bio": XSS_BIO}}, expect=200)
    api.call("POST", f"{u}/data-stores/Settings/entries?id=motd", {"value": "hello"}, expect=200)
    # Python writes these integers exactly; a double could not hold them.
    api.call("POST", f"{u}/data-stores/Inventory/entries?id=big",
             {"value": {"n": 9007199254740993, "small": -9007199254740993}}, expect=200)
    for i in range(1, 7):
        api.call("POST", f"{u}/ordered-data-stores/Kills/scopes/global/entries?id=p{i}",
                 {"value": 7 * i}, expect=200)
    api.call("POST", f"{u}/memory-store/sorted-maps/Lobby/items?id=server-1",
             {"value": {"players": 3}, "ttl": "600s", "numericSortKey": 3}, expect=200)
    # Names a browser cannot put in a path ("." and ".." are resolved away): shown, not linked,
    # and the rest of their list still works.
    api.call("POST", f"{u}/data-stores/Inventory/entries?id=..", {"value": 1}, expect=200)
    api.call("POST", f"{u}/memory-store/sorted-maps/%2E%2E/items?id=x",
             {"value": 1, "ttl": "600s"}, expect=200)
    api.call("POST", f"{u}/memory-store/hash-maps/ServerList/items?id=eu-7",
             {"value": {"players": 12}, "ttl": "600s"}, expect=200)
    api.call("POST", f"{u}/memory-store/queues/Match/items", {"data": {"ticket": 1}, "ttl": "600s"},
             expect=200)
    api.call("POST", f"{u}/memory-store/queues/Match/items", {"data": {"ticket": 2}, "ttl": "600s"},
             expect=200)
    api.call("POST", f"{u}/session-locks/player:1:acquire", {"owner": "server-a", "ttl": "120s"},
             expect=200)


def entry(api, entry_id, store="Inventory"):
    return api.call("GET", f"/cloud/v2/universes/7/data-stores/{store}/entries/{entry_id}",
                    expect=200)[1]


def run(binary, shots, work):
    server = Server(binary, work)
    server.start()
    proxy = None
    driver = None
    try:
        base = f"http://127.0.0.1:{server.port}/"
        with open(os.path.join(server.data_dir, "admin.key")) as f:
            admin_key = f.readline().strip()
        api = Api(base.rstrip("/"), admin_key)
        seed(api)

        # The files: served by the binary, with a strict policy; /console redirects relatively.
        req = urllib.request.Request(base + "console/")
        with urllib.request.urlopen(req, timeout=10) as answer:
            csp = answer.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
            assert "frame-ancestors 'none'" in csp, csp
            assert answer.headers["content-type"].startswith("text/html"), answer.headers
        status, _ = api.call("GET", "/console/no-such-file.js")
        assert status == 404, status

        options = Options()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--disable-background-networking",
                     "--disable-extensions", "--no-first-run", "--disable-sync",
                     "--disable-component-update", "--disable-default-apps"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(WAIT_S)
        c = Console(driver, base, shots)

        # Sign in: a wrong key is refused and forgotten; the admin key opens the universes.
        c.sign_in("sb_nope_0000")
        c.wait(lambda: "refused" in c.d.page_source, "a refused key to be reported")
        assert driver.execute_script("return sessionStorage.getItem('strongbox.apiKey')") is None
        c.sign_in(admin_key)
        c.present("#universes a", "the universe list")
        assert "Universe 7" in c.text("universes")
        # The key lives in session storage only: not in the URL, not in a cookie.
        assert admin_key not in driver.current_url
        assert driver.get_cookies() == []
        c.shot("universes")

        c.go("#/u/7", "#data-stores table tr td a")
        c.present("#leaderboards li a", "the listed leaderboards")
        assert "Kills / global" in c.text("leaderboards")
        assert "Lobby" in c.text("sorted-maps") and "Match" in c.text("queues")
        map_links = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#sorted-maps li a")]
        assert map_links == ["Lobby"], map_links
        assert ".." in c.text("sorted-maps")
        assert "ServerList" in c.text("hash-maps")
        c.shot("universe")

        # A destructive action asks first: cancelling deletes nothing.
        c.click(c.find("#data-stores button.secondary"))
        c.confirm(ok=False)
        stores = api.call("GET", "/cloud/v2/universes/7/data-stores", expect=200)[1]
        assert all(ds["state"] == "ACTIVE" for ds in stores["dataStores"]), stores

        # Find entries by prefix.
        c.go("#/u/7/ds/Inventory", "#entries a")
        listed = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#entries a")]
        assert ".." not in listed and "player:1" in listed, listed
        assert ".." in c.text("entries")
        prefix = c.find("#prefix")
        prefix.send_keys("player:")
        c.click(c.find("#entry-search button"))
        c.wait(lambda: "prefix=player" in driver.current_url and
               len(driver.find_elements(By.CSS_SELECTOR, "#entries a")) == 3, "three player entries")
        listed = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#entries a")]
        assert listed == ["player:1", "player:2", "player:3"], listed
        c.shot("entries")

        # Edit one with the etag it was opened with.
        c.click(driver.find_elements(By.CSS_SELECTOR, "#entries a")[1])
        c.present("#entry-value", "the entry page")
        first_revision = entry(api, "player:2")["revisionId"]
        c.click(c.find("#edit"))
        field = c.present("#edit-value")
        field.clear()
        field.send_keys('{"coins": 999, "items": ["sword", "gem"]}')
        c.click(c.find("#save"))
        c.wait(lambda: '"coins": 999' in c.text("entry-value"), "the saved value")
        after_edit = entry(api, "player:2")
        assert after_edit["value"] == {"coins": 999, "items": ["sword", "gem"]}, after_edit
        assert after_edit["users"] == ["users/2"], after_edit

        # A conflict: the entry changes underneath the open editor; the save is refused, the
        # current value is shown, and the user merges onto the new revision.
        c.click(c.find("#edit"))
        field = c.present("#edit-value")
        field.clear()
        field.send_keys('{"coins": 1000, "items": ["sword", "gem"]}')
        api.call("PATCH", "/cloud/v2/universes/7/data-stores/Inventory/entries/player:2",
                 {"value": {"coins": 5, "items": ["sword", "gem", "bow"]}, "users": ["users/2"]},
                 expect=200)
        c.click(c.find("#save"))
        conflict = c.present("#conflict", "the conflict panel")
        assert "ETAG_MISMATCH" in conflict.text and '"bow"' in conflict.text, conflict.text
        assert entry(api, "player:2")["value"]["coins"] == 5  # nothing of the edit was written
        c.shot("conflict")
        c.click(c.find("#merge"))
        field = c.present("#edit-value")
        assert '"coins": 1000' in field.get_attribute("value")
        field.clear()
        field.send_keys('{"coins": 1000, "items": ["sword", "gem", "bow"]}')
        c.click(c.find("#save"))
        c.wait(lambda: '"coins": 1000' in c.text("entry-value"), "the merged value")
        assert entry(api, "player:2")["value"] == {"coins": 1000, "items": ["sword", "gem", "bow"]}

        # Diff two revisions side by side: the first against the current one.
        c.present("#diff-left")
        Select(c.find("#diff-left")).select_by_value(first_revision)
        c.click(c.find("#compare"))
        c.present("#diff tr.changed", "the diff's changed rows")
        removed = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#diff td.del")]
        added = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#diff td.add")]
        assert any('"coins": 20' in t for t in removed), removed
        assert any('"coins": 1000' in t for t in added), added
        c.shot("entry-diff")

        # Restore the first revision (confirmed) and see its value back, as a new revision.
        c.click(c.find(f"button[data-revision='{first_revision}']"))
        c.confirm()
        c.wait(lambda: '"coins": 20' in c.text("entry-value"), "the restored value")
        restored = entry(api, "player:2")
        assert restored["value"] == {"coins": 20, "items": ["sword"]}, restored
        assert restored["revisionId"] != first_revision

        # A stored value with markup is shown as text and runs nothing.
        c.go("#/u/7/ds/Inventory/s/global/e/xss", "#entry-value")
        # The previous entry's #entry-value is there until this one is drawn: wait for it.
        c.wait(lambda: "onerror" in c.text("entry-value"), "the markup entry")
        shown = c.text("entry-value")
        assert "<img src=x onerror=" in shown and "<script>" in shown, shown
        assert driver.find_elements(By.CSS_SELECTOR, "#view img, #view script") == []
        time.sleep(0.3)
        assert driver.execute_script("return window.__pwned === undefined")
        assert driver.title == "Strongbox console", driver.title
        c.shot("entry-xss")

        # Integers beyond 2^53 keep every digit through a view and an unchanged save (api.md:
        # int64 precision; a plain JSON.parse would round them).
        c.go("#/u/7/ds/Inventory/s/global/e/big", "#entry-value")
        # The previous entry's #entry-value is there until this one is drawn: wait for it.
        c.wait(lambda: "9007199254740993" in c.text("entry-value"), "the big entry's digits")
        c.click(c.find("#edit"))
        c.present("#edit-value")
        c.click(c.find("#save"))
        c.wait(lambda: "Saved" in c.text("status"), "the unchanged save")
        big = entry(api, "big")
        assert big["value"] == {"n": 9007199254740993, "small": -9007199254740993}, big
        assert big["revisionId"].split(".")[1] == "0000000002", big

        # A deleted entry says so, above the revisions that can bring it back.
        api.call("DELETE", "/cloud/v2/universes/7/data-stores/Inventory/entries/guild:1",
                 expect=200)
        c.go("#/u/7/ds/Inventory/s/global/e/guild%3A1", "#entry-missing")
        c.present("#revisions")

        # A name the browser would resolve away ("..") is refused, not sent as another path.
        c.go("#/u/7/ds/Inventory/s/../e/player%3A1", "#view-error")
        assert "cannot be used in a URL path" in c.text("view-error"), c.text("view-error")
        assert c.find("#delete-entry") is None

        # Leaderboard: top N highest first, one id's rank and neighbours, a score edited.
        c.go("#/u/7/lb/Kills/global", "#board tr td")
        top = [r.text.split()[1] for r in driver.find_elements(By.CSS_SELECTOR, "#board tr")[1:]]
        assert top[:3] == ["p6", "p5", "p4"], top
        c.find("#lookup-id").send_keys("p3")
        c.click(c.find("#lookup button"))
        c.wait(lambda: "rank 4 of 6" in c.text("rank-line"), "p3's rank")
        c.shot("leaderboard")
        score = c.find("#board input[data-score-for='p1']")
        score.clear()
        score.send_keys("100")
        c.click(score.find_element(By.XPATH, "following-sibling::button"))
        c.wait(lambda: c.find("#board tr:nth-child(2) td:nth-child(2)").text == "p1", "p1 on top")
        status, p1 = api.call("GET", "/cloud/v2/universes/7/ordered-data-stores/Kills/scopes/"
                              "global/entries/p1", expect=200)
        assert p1["value"] == 100, p1

        # Memory store: the sorted map's items with a ticking expiry; the queue peeked (nothing
        # read: both items stay visible to consumers).
        c.go("#/u/7/sm/Lobby", "#items [data-expire]")
        assert "server-1" in c.text("items")
        c.go("#/u/7/hm/ServerList", "#items [data-expire]")
        # The sorted map's #items is there until the hash map's is drawn: wait for it.
        c.wait(lambda: "eu-7" in c.text("items"), "the hash map's items")
        assert '"players": 12' in c.text("items")
        c.go("#/u/7/q/Match", "#peek tr td")
        assert c.text("queue-size") == "2"
        assert c.text("peek").count("visible") == 2
        c.shot("queue")
        queue = api.call("GET", "/cloud/v2/universes/7/memory-store/queues/Match", expect=200)[1]
        assert queue["invisibleSize"] == 0, queue

        # Session locks: the holder shown; a release requested through the dialog.
        c.go("#/u/7/locks", "#locks tr td")
        assert "server-a" in c.text("locks")
        c.click(driver.find_element(By.XPATH, "//button[text()='Request release']"))
        c.present("dialog[open]")
        c.find("#dialog-input").clear()
        c.find("#dialog-input").send_keys("player reported a stuck save")
        c.click(c.find("#dialog-ok"))
        c.wait(lambda: "player reported a stuck save" in c.text("locks"), "the release request")
        c.shot("locks")

        # API keys: create one (secret shown once), use it, revoke it, see the next call refused.
        c.go("#/keys", "#keys tr td")
        c.find("#key-name").send_keys("support-readonly")
        scopes = c.find("#key-scopes")
        scopes.clear()
        scopes.send_keys("7 universe-datastores.objects:read\n7 universe-datastores.objects:list\n"
                         "7 universe-datastores.control:list\n7 universe-datastores.versions:list")
        c.click(c.find("#create-key"))
        secret = c.present("#new-secret", "the new key's secret").text
        assert secret.startswith("sb_"), secret
        c.shot("keys")
        api.call("GET", "/cloud/v2/universes/7/data-stores/Inventory/entries/player:1",
                 key=secret, expect=200)

        # The read-only key sees no write controls (in its own tab session).
        admin_tab = driver.current_window_handle
        driver.switch_to.new_window("tab")
        c.sign_in(secret)
        c.present("#universes a")
        assert not driver.find_element(By.CSS_SELECTOR, "#nav a[href='#/keys']").is_displayed()
        c.go("#/u/7/ds/Inventory/s/global/e/player%3A1", "#entry-value")
        c.present("#revisions")
        assert c.find("#edit") is None and c.find("#delete-entry") is None
        assert c.find("button[data-revision]") is None
        c.shot("read-only-entry")
        driver.close()
        driver.switch_to.window(admin_tab)

        key_id = secret.split("_")[1]
        c.click(c.go("#/keys", f"button[data-revoke='{key_id}']"))
        c.confirm()
        c.wait(lambda: "REVOKED" in c.find(f"tr[data-key='{key_id}']").text, "the key revoked")
        status, _ = api.call("GET", "/cloud/v2/universes/7/data-stores/Inventory/entries/player:1",
                             key=secret)
        assert status == 401, status

        # Backups: take one, see it listed, delete it (confirmed).
        c.click(c.go("#/backups", "#take-backup"))
        c.wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#backups button")) == 1,
               "the backup listed")
        c.click(c.find("#backups button"))
        c.confirm()
        c.wait(lambda: "No backups yet" in c.text("backups"), "the backup deleted")

        # Health: the charts are drawn from /metrics scrapes; traffic shows in requests/s.
        c.go("#/health", "#charts svg")
        for _ in range(30):
            api.call("GET", "/cloud/v2/universes/7/data-stores/Inventory/entries/player:1")

        def requests_line_drawn():
            # A polyline of two points or more: two scrapes' differences, after the traffic.
            line = c.find("#charts [data-chart^='Requests'] polyline")
            return (len(driver.find_elements(By.CSS_SELECTOR, "#charts svg")) == 7 and
                    "data stores:" in c.text("charts") and line is not None and
                    " " in (line.get_attribute("points") or ""))

        c.wait(requests_line_drawn, "the request chart with a line")
        assert "Readiness: 200 ready" in c.text("readiness")
        c.shot("health")

        # Behind a reverse proxy under /support/: the redirect, the files and the API calls all
        # stay under the prefix.
        proxy = PrefixProxy(base.rstrip("/"))
        driver.execute_script("sessionStorage.clear()")
        driver.get(f"http://127.0.0.1:{proxy.port}/support/console")
        c.present("#api-key", "the sign-in form through the proxy")
        assert driver.current_url.endswith("/support/console/"), driver.current_url
        c.find("#api-key").send_keys(admin_key)
        c.click(c.find("#sign-in-button"))
        c.present("#universes a", "the universes through the proxy")
        c.go("#/u/7/ds/Inventory/s/global/e/player%3A3", "#entry-value")
        assert '"coins": 30' in c.text("entry-value")

        # Extra slashes after console/ still find the API at the server's root.
        driver.get(base + "console//")
        driver.execute_script("sessionStorage.clear()")
        driver.refresh()
        c.present("#api-key").send_keys(admin_key)
        c.click(c.find("#sign-in-button"))
        c.present("#universes a", "the universes from console//")
        print("console: every check passed")
    finally:
        if driver is not None:
            driver.quit()
        if proxy is not None:
            proxy.close()
        code = server.stop()
        if code not in (0, None):
            print(server.log())
            raise AssertionError(f"strongbox exited with {code}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, shots = os.path.abspath(sys.argv[1]), sys.argv[2]
    if webdriver is None:
        skip_or_fail("python3-selenium is not installed (Debian package python3-selenium)")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            skip_or_fail(f"{path} is missing (Debian packages chromium, chromium-driver)")
    os.makedirs(shots, exist_ok=True)
    work = tempfile.mkdtemp(prefix="strongbox-console-")
    try:
        run(binary, shots, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
