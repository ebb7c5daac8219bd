"""A headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

No selenium, no playwright, no downloads: Debian's ``/usr/bin/chromium`` and the standard
library. Chromium reads NUL-terminated JSON commands on fd 3 and writes replies and events on
fd 4. :func:`check_page` loads a page, waits until every ``<img>`` and ``<video>`` has loaded or
failed, and collects console errors, uncaught exceptions and failed loads.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)

# Resolves when every media element has loaded or failed; reports what each one did.
MEDIA_CHECK = """
(async () => {
  const settle = (el) => new Promise((resolve) => {
    const done = () => resolve();
    if (el.tagName === 'IMG') {
      if (el.complete) return resolve();
      el.addEventListener('load', done, {once: true});
      el.addEventListener('error', done, {once: true});
    } else {
      if (el.readyState >= 2 || el.error) return resolve();
      el.addEventListener('loadeddata', done, {once: true});
      el.addEventListener('error', done, {once: true}, true);
      const source = el.querySelector('source');
      if (source) source.addEventListener('error', done, {once: true});
      el.load();
    }
  });
  // A video's poster (its width once loaded, 0 if it fails) and its caption track's cues.
  const posterWidth = (el) => new Promise((resolve) => {
    if (!el.poster) return resolve(null);
    const img = new Image();
    img.onload = () => resolve(img.naturalWidth);
    img.onerror = () => resolve(0);
    img.src = el.poster;
  });
  const trackCues = (el) => new Promise((resolve) => {
    const track = el.querySelector('track');
    if (!track) return resolve(null);
    const done = () => resolve(track.track.cues ? track.track.cues.length : 0);
    if (track.readyState >= 2) return done();
    track.addEventListener('load', done, {once: true});
    track.addEventListener('error', done, {once: true});
  });
  const media = Array.from(document.querySelectorAll('img, video'));
  await Promise.all(media.map(settle));
  const seek = %s;
  const out = [];
  for (const el of media) {
    const entry = {
      tag: el.tagName.toLowerCase(),
      src: (el.currentSrc || el.src || '').slice(0, 200),
      loaded: el.tagName === 'IMG' ? el.naturalWidth > 0 : el.readyState >= 2,
      width: el.tagName === 'IMG' ? el.naturalWidth : el.videoWidth,
    };
    if (entry.tag === 'video') {
      entry.poster = await posterWidth(el);
      entry.cues = await trackCues(el);
      if (seek !== null && entry.loaded) {  // hold a moment with a caption for the screenshot
        el.pause();
        const seeked = new Promise((r) => el.addEventListener('seeked', r, {once: true}));
        el.currentTime = seek;
        await seeked;
        await new Promise((r) => setTimeout(r, 300));
        const active = el.textTracks.length ? el.textTracks[0].activeCues : null;
        entry.caption = active && active.length ? active[0].text : null;
      }
    }
    out.push(entry);
  }
  return out;
})()
"""


@dataclass
class PageReport:
    """What a page did in the browser."""

    media: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    screenshot: bytes = b""


class DevToolsPipe:
    """A Chromium process and its DevTools pipe."""

    def __init__(self, user_data_dir: Path, window: tuple[int, int] = (1280, 1600)) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium wants the pipe on fds 3 (commands in) and 4 (replies out).
        high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def wire() -> None:  # runs in the child before exec
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [
                str(CHROMIUM),
                *FLAGS,
                f"--user-data-dir={user_data_dir}",
                f"--window-size={window[0]},{window[1]}",
                "about:blank",
            ],  # fmt: skip
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=wire,
            pass_fds=(3, 4),
        )
        os.close(high_r)
        os.close(high_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:  # fmt: skip
        """Send one command and wait for its reply (events seen meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for an event (or return one already received)."""
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(raw))

    def close(self) -> None:
        """Close the browser (politely, then by force) and the pipe."""
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


def _errors(events: list[dict[str, Any]]) -> list[str]:
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = params.get("args", [])
            found.append("console: " + " ".join(str(a.get("value", a)) for a in args))
        elif method == "Runtime.exceptionThrown":
            found.append("exception: " + str(params.get("exceptionDetails", {}).get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            found.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
    return found


def available() -> bool:
    """True if Debian's chromium is installed."""
    return CHROMIUM.exists() and shutil.which(str(CHROMIUM)) is not None


def check_page(
    page: Path, user_data_dir: Path, timeout: float = 60.0, seek: float | None = None
) -> PageReport:
    """Load ``page`` from file://, wait for its media, and report loads, errors and a screenshot.

    Parameters
    ----------
    page : Path
        An HTML file.
    user_data_dir : Path
        A new, empty folder for the browser profile.
    timeout : float
        Seconds allowed for each step.
    seek : float, optional
        Pause every video at this time before the screenshot (and report its caption).
    """
    browser = DevToolsPipe(user_data_dir)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        browser.wait_event("Page.loadEventFired", timeout=timeout)
        result = browser.send(
            "Runtime.evaluate",
            {
                "expression": MEDIA_CHECK % ("null" if seek is None else repr(float(seek))),
                "awaitPromise": True,
                "returnByValue": True,
            },
            session=session,
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"media check failed: {result['exceptionDetails']}")
        media = list(result["result"]["value"])
        shot = browser.send(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
            session=session, timeout=timeout,
        )  # fmt: skip
        return PageReport(media, _errors(browser.events), base64.b64decode(shot["data"]))
    finally:
        browser.close()


class PageSession:
    """One page open in a headless Chromium, driven step by step (keys, scripts, screenshots).

    Every request the page makes is recorded in :attr:`requests` (its URL), so a test can check
    that nothing leaves the machine. Use as a context manager.
    """

    def __init__(self, page: Path, user_data_dir: Path, window: tuple[int, int] = (1280, 760)):
        self.browser = DevToolsPipe(user_data_dir, window)
        self.page = page
        self.session = ""
        self.requests: list[str] = []

    def __enter__(self) -> PageSession:
        browser = self.browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=self.session)
        browser.send("Page.navigate", {"url": self.page.resolve().as_uri()}, session=self.session)
        browser.wait_event("Page.loadEventFired", timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        self.browser.close()

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        """The value of a JavaScript expression (awaited if it is a promise)."""
        result = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session=self.session, timeout=timeout,
        )  # fmt: skip
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def press(self, key: str, code: str, key_code: int) -> None:
        """Press and release a key (``"ArrowRight", "ArrowRight", 39``)."""
        for kind in ("keyDown", "keyUp"):
            self.browser.send(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": key_code},
                session=self.session,
            )

    def screenshot(self) -> bytes:
        """The page as PNG bytes."""
        shot = self.browser.send(
            "Page.captureScreenshot", {"format": "png"}, session=self.session, timeout=60
        )
        return base64.b64decode(shot["data"])

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads so far."""
        self._collect()
        return _errors(self.browser.events)

    def _collect(self) -> None:
        for event in self.browser.events:
            if event.get("method") == "Network.requestWillBeSent":
                url = str(event["params"]["request"]["url"])
                if url not in self.requests:
                    self.requests.append(url)

    def all_requests(self) -> list[str]:
        """Every URL the page requested so far."""
        self._collect()
        return list(self.requests)
