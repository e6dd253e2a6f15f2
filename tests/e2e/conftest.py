"""Fixtures for the end-to-end tests: the KMS emulator, tauri-driver, and one WebDriver session on the real app.

Run by scripts/test inside a private D-Bus session (unlocked GNOME Keyring) under Xvfb. Each run gets fresh
XDG config/data folders, so the app starts on its welcome screen; the keychain is the session's throwaway one.
Native file dialogs cannot be driven, so the app's test seam is set: exports go to SAVE_DIR and every open
dialog answers with OPEN_FILE (see src-tauri/src/dialog_seam.rs). Only a build with the `e2e` feature has the
seam (`cargo build -p mpos-keygen-app --features e2e`, as scripts/test does); the driver fixture refuses any
other binary, whose real dialogs would stall the tests. The app reads OPEN_FILE once, at start, so it is a
link each test points at the file it wants chosen (answer_open_dialog): the CSV to import, the .p12 of a
certificate profile.
"""

import mmap
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import datetime
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "target" / "debug" / "mpos-keygen-app"
CLI = ROOT / "target" / "debug" / "mpos-keygen"
SHOTS = ROOT / "target" / "e2e"
# Overridable so two runs on one machine (several worktrees) do not meet on the same tauri-driver.
DRIVER_PORT = int(os.environ.get("MPOS_E2E_DRIVER_PORT", "4444"))
NATIVE_PORT = int(os.environ.get("MPOS_E2E_NATIVE_PORT", "4445"))
OPEN_DIALOG_ANSWER = "open-dialog-answer"
SEAM_VARS = ("MPOS_KEYGEN_E2E_SAVE_DIR", "MPOS_KEYGEN_E2E_OPEN_FILE")
# What an `e2e` build prints on stderr when the variables replace its dialogs (scripts/test-package too).
SEAM_NOTICE = "file dialogs are replaced by the end-to-end test seam"
# The REST certificate made for the certificate profile: its owner (subject CN, a MID), its subject
# serialNumber (the JWT kid) and the .p12 password (with a space, as users' passwords have).
CERT_ORG = "e2e_cert_mid"
CERT_SERIAL = "5500000000000424"
P12_PASSWORD = "e2e p12 pass 91c4"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc, sig=signal.SIGTERM):
    """Ends a process this file started, by its PID, and waits for it."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def scratch():
    root = Path(tempfile.mkdtemp(prefix="mpos-keygen-e2e."))
    for sub in ("config", "data", "exports"):
        (root / sub).mkdir()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def answer_open_dialog(scratch, target):
    """Makes the app's next open dialog answer with `target` (OPEN_FILE is a link to it)."""
    link = scratch / OPEN_DIALOG_ANSWER
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)


def _start_emulator(extra=()):
    """`mpos-keygen emulator --port N EXTRA…`; returns the process, its URL and its banner."""
    if not CLI.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "mpos-keygen"], cwd=ROOT, check=True, timeout=900)
    port = _free_port()
    proc = subprocess.Popen([str(CLI), "emulator", "--port", str(port), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    banner = []
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        banner.append(line)
        if line.startswith("Organization id:"):
            break
    return proc, f"http://127.0.0.1:{port}", "".join(banner)


@pytest.fixture(scope="session")
def emulator():
    """`mpos-keygen emulator --port N`; yields its URL and the demo credential it prints."""
    proc, url, text = _start_emulator()

    def field(label):
        m = re.search(rf"^{label}: (\S+)$", text, re.M)
        assert m, f"the emulator did not print {label!r}:\n{text}"
        return m.group(1)

    info = {"url": url, "key_id": field("Key id"), "secret": field("Shared secret"),
            "org": field("Organization id")}
    assert info["url"] in text, text
    yield info
    _stop(proc, signal.SIGINT)


@pytest.fixture(scope="session")
def certificate(scratch):
    """A REST certificate made now, as the Business Center makes them (RSA key; subject CN = the merchant,
    serialNumber = the JWT kid): cert.pem for the emulator, merchant.p12 (with its password) for the app."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERT_ORG),
                      x509.NameAttribute(NameOID.SERIAL_NUMBER, CERT_SERIAL)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(key, hashes.SHA256()))
    folder = scratch / "certificate"
    folder.mkdir()
    pem = folder / "cert.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    p12 = folder / "merchant.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        CERT_ORG.encode(), key, cert, None, serialization.BestAvailableEncryption(P12_PASSWORD.encode())))
    return {"pem": pem, "p12": p12, "org": CERT_ORG, "serial": CERT_SERIAL, "password": P12_PASSWORD}


@pytest.fixture(scope="session")
def cert_emulator(certificate):
    """`mpos-keygen emulator --port N --certificate cert.pem --certificate-org ORG`; yields its URL."""
    proc, url, text = _start_emulator(["--certificate", str(certificate["pem"]),
                                       "--certificate-org", certificate["org"]])
    assert f"Certificate: serialNumber {certificate['serial']} for {certificate['org']}" in text, text
    yield {"url": url}
    _stop(proc, signal.SIGINT)


@pytest.fixture(scope="session")
def driver(scratch):
    """tauri-driver and one session on the debug app, with fresh XDG folders and the dialog seam."""
    build = "cargo build -p mpos-keygen-app --features e2e"
    assert APP.exists(), f"build the app first: {build} ({APP} is missing)"
    # The seam's variable names are in the binary exactly when the `e2e` feature compiled the seam in
    # (scripts/test-package checks that the packaged app lacks them).
    with open(APP, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as binary:
        missing = [v for v in SEAM_VARS if binary.find(v.encode()) < 0]
    assert not missing, f"{APP} was built without the dialog seam (no {', '.join(missing)}): {build}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SHOTS.glob("FAILED-*.png"):   # from an earlier run: only this run's failures are shown
        stale.unlink()
    env = dict(os.environ)
    env.update({
        "XDG_CONFIG_HOME": str(scratch / "config"),
        "XDG_DATA_HOME": str(scratch / "data"),
        SEAM_VARS[0]: str(scratch / "exports"),
        SEAM_VARS[1]: str(scratch / OPEN_DIALOG_ANSWER),
        # The app draws in shared memory by default (src-tauri/src/lib.rs, draw_without_gpu_buffers), but
        # WebKitWebDriver 2.50 never answers the new-session request when the page is drawn that way: it
        # waits for a GPU presentation update. So the window under WebDriver keeps WebKit's GPU path; the
        # default path is what scripts/test-package starts and photographs, and what benches/run.sh times.
        "WEBKIT_DISABLE_DMABUF_RENDERER": "0",
    })
    tauri_driver = shutil.which("tauri-driver") or str(Path.home() / ".cargo" / "bin" / "tauri-driver")
    log = open(SHOTS / "tauri-driver.log", "w")
    proc = subprocess.Popen([tauri_driver, "--port", str(DRIVER_PORT), "--native-port", str(NATIVE_PORT)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{DRIVER_PORT}/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, "tauri-driver exited; see target/e2e/tauri-driver.log"
            assert time.time() < deadline, "tauri-driver did not answer on /status"
            time.sleep(0.25)

        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(APP)})
        address = ClientConfig(remote_server_addr=f"http://127.0.0.1:{DRIVER_PORT}")
        session = webdriver.Remote(command_executor=RemoteConnection(client_config=address), options=options)
        session.implicitly_wait(0)
        try:
            yield session
        finally:
            try:
                session.quit()
            except WebDriverException:
                pass  # the last test quits the app itself
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="session")
def save_dir(scratch):
    return scratch / "exports"


@pytest.fixture(scope="session")
def open_file(scratch):
    """The CSV the import reads; the open dialog answers with it."""
    path = scratch / "merchants.csv"
    answer_open_dialog(scratch, path)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Saves a screenshot of the window when a test fails, and adds the window's text to the report (CI shows
    the report, not the screenshot)."""
    outcome = yield
    report = outcome.get_result()
    session = item.funcargs.get("driver")
    if report.when == "call" and report.failed and session is not None:
        try:
            session.save_screenshot(str(SHOTS / f"FAILED-{item.name}.png"))
        except WebDriverException:
            pass
        try:
            shown = session.execute_script(
                "const app = document.getElementById('app');"
                "return app ? app.innerText : document.body.innerText;")
            report.sections.append(("what the window showed", re.sub(r"\n\s*\n+", "\n", shown or "")[:4000]))
        except WebDriverException:
            pass
