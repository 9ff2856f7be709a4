#!/usr/bin/env python3
"""The page of `idphoto serve` in a real browser: headless Chromium, driven through the
DevTools protocol, loads the page, uploads examples/portrait.jpg through the file input, waits
for the report, checks that the verdict is shown and that the corrected photo downloads as a
JPEG, and saves a screenshot of the page with its report.

    python3 deploy/browser_test.py [--idphoto target/release/idphoto] [--screenshot docs/serve-page.png]

Needs Debian's `chromium` and the `websocket-client` package (pip install websocket-client).
Starts its own server on a free port of 127.0.0.1 and stops it at the end. Exits non-zero on
any failure.
"""

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, probe, timeout=120.0, step=0.25):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(step)
    raise SystemExit(f"timed out waiting for {what}")


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class DevTools:
    """The smallest DevTools client: send a command, wait for its answer, keep events."""

    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=180, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise SystemExit(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def eval(self, expression):
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise SystemExit(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idphoto", default=os.path.join(ROOT, "target/release/idphoto"))
    parser.add_argument("--photo", default=os.path.join(ROOT, "examples/portrait.jpg"))
    parser.add_argument("--screenshot", default=os.path.join(ROOT, "docs/serve-page.png"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [args.idphoto, "serve", "--addr", f"127.0.0.1:{port}", "--quiet"],
        stderr=subprocess.DEVNULL,
    )
    profile = tempfile.mkdtemp(prefix="idphoto-chromium-")
    downloads = tempfile.mkdtemp(prefix="idphoto-downloads-")
    debug_port = free_port()
    browser = subprocess.Popen(
        [
            args.chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={debug_port}",
            "--window-size=1100,1500",
            "--lang=en-US",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for("the server", lambda: http_ok(base + "healthz"))
        targets = wait_for(
            "Chromium",
            lambda: http_ok(f"http://127.0.0.1:{debug_port}/json/version")
            and json.load(urllib.request.urlopen(f"http://127.0.0.1:{debug_port}/json/list")),
        )
        page = next(t for t in targets if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("DOM.enable")
        tools.call(
            "Browser.setDownloadBehavior",
            behavior="allow",
            downloadPath=downloads,
            eventsEnabled=True,
        )
        tools.call("Page.navigate", url=base)
        wait_for(
            "the spec list",
            lambda: tools.eval("document.querySelectorAll('#spec option').length") > 0,
        )
        # Search the picker the way a person would, then pick the photo through the input.
        tools.eval(
            "(() => { const s = document.getElementById('search'); s.value = 'dongguan 身份证';"
            " s.dispatchEvent(new Event('input')); return document.getElementById('spec').value; })()"
        )
        chosen = tools.eval("document.getElementById('spec').value")
        assert chosen == "dongguan/id-card", chosen
        root = tools.call("DOM.getDocument")["root"]["nodeId"]
        node = tools.call("DOM.querySelector", nodeId=root, selector="#file")["nodeId"]
        tools.call("DOM.setFileInputFiles", nodeId=node, files=[os.path.abspath(args.photo)])
        verdict = wait_for(
            "the report",
            lambda: tools.eval(
                "document.getElementById('result').hidden ? '' :"
                " document.getElementById('verdict').textContent"
            ),
            timeout=300,
        )
        rows = tools.eval("document.querySelectorAll('#checks tbody tr').length")
        assert verdict in ("Pass", "Fail"), verdict
        assert rows > 10, f"{rows} rows of checks"
        name = tools.eval("document.getElementById('download-photo').download")
        assert name == "portrait.dongguan.jpg", name
        # The screenshot first: the download below changes nothing on the page.
        shot = tools.call("Page.captureScreenshot", format="png")
        with open(args.screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        tools.eval("document.getElementById('download-photo').click()")
        saved = os.path.join(downloads, name)
        wait_for("the download", lambda: os.path.isfile(saved) and os.path.getsize(saved) > 0)
        with open(saved, "rb") as f:
            assert f.read(3) == b"\xff\xd8\xff", "the download is a JPEG"
        print(
            f"ok: verdict {verdict}, {rows} checks, downloaded {name} "
            f"({os.path.getsize(saved)} bytes), screenshot {args.screenshot}"
        )
    finally:
        browser.terminate()
        server.terminate()
        browser.wait()
        server.wait()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(downloads, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
