"""The desktop app end to end: the real window (WebKitGTK under Xvfb) driven through tauri-driver, against the
KMS emulator, with the real keychain of the test session.

The tests run in file order and share one app session: welcome -> profile with credentials -> merchants ->
one key (copy, download) -> batch -> activation codes for both merchants (copy, download) -> history -> a wrong secret -> CSV import -> a REST certificate profile
(.p12 chosen, tested, a key generated, deleted again) -> the same screens in dark ->
closing with an unsaved key (last: it quits the app). Assertions read the DOM; screenshots of every screen land
in target/e2e/ (light-*.png, dark-*.png) for people to look at.
"""

import csv
import datetime
import hashlib
import io
import json
import os
import subprocess
import time
import uuid
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import SEAM_NOTICE, SHOTS, answer_open_dialog
from x11 import request_close, window_exists

FIRST = ("shop_berlin_01", "Berlin Mitte")
SECOND = ("shop_munich_02", "Munich Airport")
PROFILE = "Emulator"
WRONG = "Wrong secret"
CERT_PROFILE = "Certificate"
TITLE = "mPOS Key Generator"

# What the tests learn along the way (the generated key, the emulator's URL).
seen = {}


def wait(driver, condition, message, timeout=15):
    """Polls `condition(driver)` until truthy; elements re-rendered meanwhile are looked up again."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
        condition, message)


def sel(testid):
    return f'[data-testid="{testid}"]'


def find(driver, testid, timeout=15):
    """The first visible element with this data-testid."""
    def visible(d):
        for el in d.find_elements(By.CSS_SELECTOR, sel(testid)):
            if el.is_displayed():
                return el
        return False
    return wait(driver, visible, f"no visible [data-testid={testid}]", timeout)


def text(el):
    """The element's DOM text (textContent): WebKitWebDriver's rendered-text answer is empty for some visible
    elements in flex rows."""
    return (el.get_attribute("textContent") or "").strip()


def find_all(driver, testid):
    return [el for el in driver.find_elements(By.CSS_SELECTOR, sel(testid)) if el.is_displayed()]


def wait_text(driver, testid, predicate, timeout=15):
    """Waits until the element's text satisfies `predicate`; returns the text."""
    def check(d):
        for el in d.find_elements(By.CSS_SELECTOR, sel(testid)):
            if el.is_displayed() and predicate(text(el)):
                return text(el)
        return False
    return wait(driver, check, f"[data-testid={testid}] never matched", timeout)


def click(driver, testid):
    """Clicks the element, looking it up again if it was re-rendered between finding and clicking."""
    def attempt(d):
        el = find(d, testid)
        el.click()
        return el
    return wait(driver, attempt, f"could not click [data-testid={testid}]")


def single_mode(driver):
    """Leaves batch mode ("Several merchants…" is remembered across views and profiles)."""
    toggle = find(driver, "batch-toggle")
    if toggle.is_selected():
        toggle.click()
    find(driver, "merchant-combobox")


def switch_profile(driver, name):
    """Picks a profile in the header and waits for the main screen to be drawn for it."""
    old = find(driver, "generate-button")
    Select(find(driver, "profile-picker")).select_by_value(name)
    wait(driver, staleness_of(old), f"the main screen for {name}")


def fill(driver, testid, value):
    el = find(driver, testid)
    el.clear()
    el.send_keys(value)
    return el


def clipboard():
    """What the X clipboard holds now (the app writes it from Rust)."""
    out = subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    return out.stdout


def wait_clipboard(predicate, timeout=10):
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        value = clipboard()
        if predicate(value):
            return value
        time.sleep(0.2)
    raise AssertionError(f"the clipboard never matched; it holds {value!r}")


def shot(driver, name):
    """Saves a screenshot after the next frames are painted (one right after a click can show the old one)."""
    driver.execute_async_script(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));")
    time.sleep(0.3)
    theme = driver.execute_script("return document.documentElement.dataset.theme || 'light'")
    driver.save_screenshot(str(SHOTS / f"{theme}-{name}.png"))


def go_main(driver):
    if find_all(driver, "back-button"):
        click(driver, "back-button")
    find(driver, "generate-button")


def open_profile_settings(driver, name):
    """Opens Settings and the profile named `name`, and waits until its form and merchants are shown (as a
    person would before reaching for them: a click sent earlier can land on the page before it re-renders)."""
    click(driver, "open-settings")

    def pick(d):
        items = [i for i in find_all(d, "settings-profile-item") if i.get_attribute("data-name") == name]
        if items:
            items[0].click()
        return bool(items)
    wait(driver, pick, f"no profile {name!r} in settings")

    def shown(d):
        current = [i.get_attribute("data-name") for i in find_all(d, "settings-profile-item")
                   if i.get_attribute("aria-current") == "true"]
        return current == [name] and any(f"“{name}”" in text(t) for t in d.find_elements(By.ID, "merchants-title"))
    wait(driver, shown, f"settings showing the profile {name!r}")


def add_profile(driver, name, url, key_id, org, secret):
    fill(driver, "settings-profile-name", name)
    Select(find(driver, "settings-environment")).select_by_value("custom")
    fill(driver, "settings-custom-url", url)
    fill(driver, "settings-key-id", key_id)
    fill(driver, "settings-org-id", org)
    fill(driver, "settings-secret", secret)
    click(driver, "settings-save-profile")
    return wait_text(driver, "settings-secret-stored", lambda t: t.startswith("Stored in"))


def add_merchant(driver, mid, label):
    fill(driver, "merchant-add-mid", mid)
    fill(driver, "merchant-add-label", label)
    click(driver, "merchant-add-button")
    wait(driver, lambda d: any(r.get_attribute("data-mid") == mid for r in find_all(d, "merchant-row")),
         f"{mid} not listed")


def test_first_run_shows_the_welcome(driver):
    heading = wait(driver, lambda d: d.find_element(By.ID, "welcome-title"), "the welcome screen", 30)
    assert text(heading) == "Welcome"
    assert "Try the demo" in text(find(driver, "welcome-try-demo"))
    assert "Connect my account" in text(find(driver, "welcome-connect"))
    assert "Payment Configuration > Key Management" in text(driver.find_element(By.TAG_NAME, "body"))
    shot(driver, "01-welcome")


def test_the_app_under_test_replaces_its_dialogs(driver):
    # Only the `e2e` build has the seam, and says so on stderr (which tauri-driver writes to its log). The
    # packaged app, started with the same variables by scripts/test-package, must not say it.
    driver_log = SHOTS / "tauri-driver.log"
    wait(driver, lambda d: SEAM_NOTICE.encode() in driver_log.read_bytes(), f"{SEAM_NOTICE!r} in {driver_log}")


def invoke(driver, command, args=None):
    """Calls a command from the page as the UI would; returns ("ok", value) or ("error", reason)."""
    return driver.execute_async_script("""
        const [command, args, done] = arguments;
        window.__TAURI_INTERNALS__.invoke(command, args || {})
          .then((v) => done(['ok', v]), (e) => done(['error', typeof e === 'string' ? e : JSON.stringify(e)]));
    """, command, args)


def test_the_page_may_call_only_the_app_commands(driver):
    status, state = invoke(driver, "app_state")
    assert status == "ok" and state["profiles"] == [], state
    # Clipboard, dialogs, files and logging run from Rust; the capability grants the webview none of them.
    for command in ("plugin:clipboard-manager|read_text", "plugin:dialog|open", "plugin:log|log",
                    "plugin:fs|read_text_file"):
        status, reason = invoke(driver, command, {"path": "/etc/hostname"})
        assert status == "error", f"{command} was allowed: {reason}"
        assert "not allowed" in reason or "not found" in reason, reason


def test_add_a_profile_with_credentials(driver, emulator):
    seen["emulator"] = emulator
    click(driver, "welcome-connect")
    stored = add_profile(driver, PROFILE, emulator["url"], emulator["key_id"], emulator["org"], emulator["secret"])
    assert "Secret Service" in stored or "keychain" in stored.lower(), stored
    # Write-only: once saved, the secret is in no field and nowhere in the page.
    assert emulator["secret"] not in driver.page_source
    click(driver, "settings-test-connection")
    result = wait_text(driver, "settings-test-result", lambda t: t.strip() != "")
    assert "accepted" in result, result
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", find(driver, "settings-test-result"))
    shot(driver, "02-settings-profile")


def test_add_two_merchants(driver):
    for mid, label in (FIRST, SECOND):
        add_merchant(driver, mid, label)
    rows = find_all(driver, "merchant-row")
    assert [r.get_attribute("data-mid") for r in rows] == [FIRST[0], SECOND[0]]
    driver.execute_script("arguments[0].scrollIntoView()", rows[0])
    shot(driver, "03-settings-merchants")


def pick_merchant_by_typing(driver, merchant):
    """Clicks the merchant picker, types part of the label and picks the match with Enter."""
    mid, label = merchant
    box = find(driver, "merchant-combobox")
    box.click()
    box.send_keys(label.split()[0])
    typed = box.get_attribute("value")
    assert typed == label.split()[0], f"typing replaced the shown merchant, got {typed!r}"
    wait(driver, lambda d: any(o.get_attribute("data-mid") == mid for o in find_all(d, "merchant-option")),
         f"{mid} offered")
    box.send_keys(Keys.ENTER)
    wait(driver, lambda d: find(d, "merchant-combobox").get_attribute("value") == label, f"{label} picked")


def test_generate_one_key(driver):
    go_main(driver)
    shot(driver, "04-main")
    assert text(find(driver, "profile-name")) == PROFILE
    assert "TEST" in text(find(driver, "env-badge"))
    assert find(driver, "merchant-combobox").get_attribute("value") == FIRST[1]
    # As people do: click into the picker and type. The shown merchant is replaced, not appended to.
    pick_merchant_by_typing(driver, SECOND)
    pick_merchant_by_typing(driver, FIRST)
    click(driver, "generate-button")
    card = find(driver, "result-card")
    assert FIRST[0] in text(card.find_element(By.TAG_NAME, "h2"))
    merchant_id = text(find(driver, "result-merchant-id"))
    key_id = text(find(driver, "result-key-id"))
    assert len(merchant_id) >= 8 and merchant_id != FIRST[0]
    assert len(key_id) >= 8
    assert text(find(driver, "result-provider-mode")) == "TEST"
    assert "Stored in keychain" in text(find(driver, "result-stored"))
    assert text(find(driver, "result-secret")).startswith("••••")
    seen.update(merchant_id=merchant_id, key_id=key_id)
    shot(driver, "04-main-result")


def test_reveal_and_copy(driver):
    click(driver, "reveal-secret")
    secret = wait_text(driver, "result-secret", lambda t: t and not t.startswith("••"))
    seen["secret"] = secret
    shot(driver, "05-main-result-revealed")

    click(driver, "copy-secret")
    assert wait_clipboard(lambda v: v == secret) == secret
    status = wait_text(driver, "status-line", lambda t: t.startswith("Copied"))
    assert "clears in 60 s" in status, status

    click(driver, "copy-merchant-id")
    wait_clipboard(lambda v: v == seen["merchant_id"])
    click(driver, "copy-key-id")
    wait_clipboard(lambda v: v == seen["key_id"])
    click(driver, "copy-snippet")
    snippet = wait_clipboard(lambda v: v.startswith("MposUi.create("))
    assert "providerMode = ProviderMode.TEST" in snippet
    assert f'merchantId = "{seen["merchant_id"]}"' in snippet
    assert f'merchantSecret = "{secret}"' in snippet

    # Hiding drops the secret from the page again.
    click(driver, "reveal-secret")
    wait_text(driver, "result-secret", lambda t: t.startswith("••••"))
    assert secret not in driver.page_source


def test_download_one_key_as_json(driver, save_dir):
    Select(find(driver, "download-format")).select_by_value("json")
    click(driver, "download-button")
    status = wait_text(driver, "status-line", lambda t: t.startswith("Saved to"))
    path = save_dir / f"mposui-key-{FIRST[0]}.json"
    assert str(path) in status, status
    data = json.loads(path.read_text())
    assert data["format"] == "mpos-keygen/1"
    assert data["environment"] == seen["emulator"]["url"]
    assert data["providerMode"] == "TEST"
    assert data["errors"] == []
    assert datetime.datetime.fromisoformat(data["generatedAt"].replace("Z", "+00:00"))
    [key] = data["keys"]
    assert key["cybersourceMerchantId"] == FIRST[0]
    assert key["merchantId"] == seen["merchant_id"]
    assert key["merchantSecret"] == seen["secret"]
    assert key["keyId"] == seen["key_id"]
    assert key["status"] == "ACTIVE"
    expires = datetime.datetime.fromisoformat(key["expirationDate"].replace("Z", "+00:00"))
    assert expires > datetime.datetime.now(datetime.timezone.utc)
    assert (path.stat().st_mode & 0o777) == 0o600


def test_batch_of_both_merchants(driver, save_dir):
    toggle = find(driver, "batch-toggle")
    if not toggle.is_selected():
        toggle.click()
    click(driver, "batch-select-all")
    assert text(find(driver, "generate-button")) == "Generate 2 keys"
    click(driver, "generate-button")
    count = wait_text(driver, "batch-count", lambda t: t.startswith("2 of 2 generated"))
    assert "failed" not in count
    rows = find_all(driver, "batch-row")
    assert [r.get_attribute("data-mid") for r in rows] == [FIRST[0], SECOND[0]]
    ids = {}
    for row in rows:
        assert "Generated" in text(row.find_element(By.CSS_SELECTOR, sel("batch-row-status")))
        ids[row.get_attribute("data-mid")] = text(row.find_element(By.CSS_SELECTOR, sel("batch-row-merchant-id")))
    assert all(len(v) >= 8 for v in ids.values()), ids
    shot(driver, "06-batch")

    Select(find(driver, "download-all-format")).select_by_value("csv")
    click(driver, "download-all")
    status = wait_text(driver, "status-line", lambda t: t.startswith("Saved to"))
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    path = save_dir / f"mposui-keys-{today}.csv"
    assert str(path) in status, status
    table = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [r["cybersource_merchant_id"] for r in table] == [FIRST[0], SECOND[0]]
    for r in table:
        assert r["merchant_id"] == ids[r["cybersource_merchant_id"]]
        assert len(r["merchant_secret"]) >= 16
        assert r["status"] == "ACTIVE"
        assert r["provider_mode"] == "TEST"
        assert r["error"] == ""
    seen["batch_ids"] = ids


def test_activation_codes_for_both_merchants(driver, save_dir):
    """The main screen's other mode: codes for two merchants at once, copied from Rust, downloaded twice."""
    go_main(driver)
    click(driver, "mode-codes")
    toggle = find(driver, "batch-toggle")
    if not toggle.is_selected():
        toggle.click()
    click(driver, "codes-select-all")
    fill(driver, "codes-count", "3")
    assert text(find(driver, "generate-codes-button")) == "Generate codes for 2 merchants"
    click(driver, "generate-codes-button")
    wait(driver, lambda d: len(find_all(d, "codes-value")) == 6, "three codes for each merchant")
    groups = find_all(driver, "codes-merchant")
    assert [g.get_attribute("data-mid") for g in groups] == [FIRST[0], SECOND[0]]
    codes = {g.get_attribute("data-mid"): [text(v) for v in g.find_elements(By.CSS_SELECTOR, sel("codes-value"))]
             for g in groups}
    every = [c for mid in (FIRST[0], SECOND[0]) for c in codes[mid]]
    assert len(set(every)) == 6 and all(len(c) >= 6 for c in every), every
    for countdown in find_all(driver, "codes-countdown"):
        assert text(countdown).startswith("valid for 23 h"), text(countdown)
    shot(driver, "06b-activation-codes")

    groups[1].find_element(By.CSS_SELECTOR, sel("codes-copy")).click()
    wait_clipboard(lambda v: v == codes[SECOND[0]][0])
    groups[0].find_element(By.CSS_SELECTOR, sel("codes-copy-merchant")).click()
    wait_clipboard(lambda v: v.split("\n") == codes[FIRST[0]])

    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    Select(find(driver, "codes-download-format")).select_by_value("text")
    click(driver, "codes-download")
    status = wait_text(driver, "status-line", lambda t: t.startswith("Saved to"))
    path = save_dir / f"activation-codes-{today}.txt"
    assert str(path) in status, status
    lines = path.read_text().splitlines()
    assert lines[0].startswith(f"{FIRST[0]} ({FIRST[1]}): 3 activation codes, valid until "), lines
    assert lines[1:4] == codes[FIRST[0]]
    assert lines[5].startswith(f"{SECOND[0]} ({SECOND[1]}): 3 activation codes"), lines
    assert lines[6:9] == codes[SECOND[0]]
    assert (path.stat().st_mode & 0o777) == 0o600

    Select(find(driver, "codes-download-format")).select_by_value("csv")
    click(driver, "codes-download")
    csv_path = save_dir / f"activation-codes-{today}.csv"
    wait_text(driver, "status-line", lambda t: str(csv_path) in t)
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert [(r["cybersource_merchant_id"], r["code"]) for r in rows] == \
        [(mid, c) for mid in (FIRST[0], SECOND[0]) for c in codes[mid]]
    assert all(r["expires_at"].endswith("Z") and r["error"] == "" for r in rows)
    shot(driver, "06c-activation-codes-downloaded")
    seen["codes"] = every

    click(driver, "mode-key")
    find(driver, "generate-button")


def test_history_lists_every_key(driver):
    click(driver, "open-history")
    wait(driver, lambda d: len(find_all(d, "history-row")) == 3, "three keys in the history")
    shown = [text(el) for el in find_all(driver, "history-merchant-id")]
    assert seen["merchant_id"] in shown
    assert set(seen["batch_ids"].values()) <= set(shown)
    body = text(driver.find_element(By.TAG_NAME, "body"))
    assert FIRST[0] in body and SECOND[0] in body
    assert seen["secret"] not in driver.page_source
    # The codes made before: how many for whom, newest first (the batch's merchants in order), never a code.
    made = wait(driver, lambda d: find_all(d, "history-codes-row"), "codes made in the history")
    assert [(r.get_attribute("data-mid"), text(r.find_element(By.CSS_SELECTOR, sel("history-codes-count"))))
            for r in made] == [(FIRST[0], "3"), (SECOND[0], "3")]
    assert all("expired" not in text(r.find_element(By.CSS_SELECTOR, sel("history-codes-until"))) for r in made)
    assert not any(code in driver.page_source for code in seen["codes"])
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", made[0])
    shot(driver, "07a-history-codes")
    driver.execute_script("document.querySelector('.content').scrollTop = 0")
    shot(driver, "07-history")


def history_row(driver, key_id):
    return wait(driver, lambda d: next((r for r in find_all(d, "history-row")
                                        if r.get_attribute("data-key-id") == key_id), False), f"row of {key_id}")


def row_status(driver, key_id):
    row = history_row(driver, key_id)
    return row.find_element(By.CSS_SELECTOR, sel("history-key-status")).get_attribute("data-status")


def test_history_checks_deletes_and_replaces_keys(driver):
    """Status of what is shown in one go; a key deleted and another replaced through the window."""
    click(driver, "open-history")
    wait(driver, lambda d: len(find_all(d, "history-row")) == 3, "three keys in the history")
    click(driver, "history-check-status")
    wait_text(driver, "history-check-progress", lambda t: t == "3 checked")
    wait(driver, lambda d: all(e.get_attribute("data-status") == "ACTIVE" for e in find_all(d, "history-key-status")),
         "every key active")
    assert all(text(e).startswith("checked") for e in find_all(driver, "history-checked"))
    shot(driver, "07b-history-status")

    # Delete the first merchant's key: the dialog names the merchant and what happens.
    history_row(driver, seen["key_id"]).find_element(By.CSS_SELECTOR, sel("history-delete-key")).click()
    question = wait_text(driver, "confirm-dialog", lambda t: "Devices that use this key stop working" in t)
    assert FIRST[1] in question and FIRST[0] in question, question
    shot(driver, "07c-history-delete-confirm")
    click(driver, "confirm-ok")
    wait_text(driver, "key-results-summary", lambda t: t == "Key deleted.")
    wait(driver, lambda d: row_status(d, seen["key_id"]) == "DELETED", "the row marked deleted")
    row = history_row(driver, seen["key_id"])
    assert "Deleted" in text(row.find_element(By.CSS_SELECTOR, sel("history-status")))
    assert not row.find_elements(By.CSS_SELECTOR, sel("history-copy-secret")), "a deleted key's secret is gone"
    shot(driver, "07d-history-deleted")

    # Replace the second merchant's key: a new key is kept, then the old one is deleted.
    rows = [r for r in find_all(driver, "history-row") if SECOND[0] in text(r)]
    assert len(rows) == 1, [text(r) for r in rows]
    old_key = rows[0].get_attribute("data-key-id")
    rows[0].find_element(By.CSS_SELECTOR, sel("history-replace-key")).click()
    question = wait_text(driver, "confirm-dialog", lambda t: "A new key is generated" in t)
    assert SECOND[1] in question and SECOND[0] in question, question
    click(driver, "confirm-ok")
    wait_text(driver, "history-replaced", lambda t: t.startswith("1 new key generated"))
    wait(driver, lambda d: len(find_all(d, "history-row")) == 4, "the new key listed")
    wait(driver, lambda d: row_status(d, old_key) == "DELETED", "the replaced key marked deleted")
    fresh = [r for r in find_all(driver, "history-row")
             if SECOND[0] in text(r) and r.get_attribute("data-key-id") != old_key]
    assert len(fresh) == 1
    assert fresh[0].find_element(By.CSS_SELECTOR, sel("history-key-status")).get_attribute("data-status") == "ACTIVE"
    shot(driver, "07e-history-replaced")


def test_readable_at_800_by_600(driver):
    driver.set_window_rect(width=800, height=600)
    try:
        wait(driver, lambda d: d.execute_script("return innerWidth") == 800, "the window at 800x600")
        fits = "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        go_main(driver)
        single_mode(driver)
        find(driver, "result-card")
        assert driver.execute_script(fits), "no sideways scrolling on the main screen"
        shot(driver, "12-main-800x600")
        click(driver, "batch-toggle")
        find(driver, "batch-count")
        assert driver.execute_script(fits), "no sideways scrolling in the batch table"
        shot(driver, "13-batch-800x600")
        single_mode(driver)
    finally:
        driver.set_window_rect(width=960, height=680)


def test_wrong_secret_explains_the_401(driver):
    emu = seen["emulator"]
    click(driver, "open-settings")
    click(driver, "settings-add-profile")
    add_profile(driver, WRONG, emu["url"], emu["key_id"], emu["org"], "bm90IHRoZSByaWdodCBzZWNyZXQgYXQgYWxsIQ==")
    click(driver, "settings-test-connection")
    message = wait_text(driver, "error-message", lambda t: "401" in t)
    assert "refused the credentials" in message, message
    assert "shared secret" in message, message
    click(driver, "error-details-toggle")
    assert "HTTP 401" in text(find(driver, "error-details"))
    shot(driver, "08-settings-401")

    # The same explanation where keys are generated.
    add_merchant(driver, FIRST[0], FIRST[1])
    click(driver, "back-button")
    switch_profile(driver, WRONG)
    single_mode(driver)
    click(driver, "generate-button")
    message = wait_text(driver, "error-message", lambda t: "401" in t)
    assert "refused the credentials" in message, message
    assert not find_all(driver, "result-card")
    shot(driver, "09-main-401")


def test_import_merchants_from_csv(driver, open_file):
    open_file.write_text("mid,label\nshop_hamburg_03,Hamburg Hafen\nbad mid!,Broken\n")
    open_profile_settings(driver, WRONG)
    click(driver, "import-csv")
    summary = wait_text(driver, "import-result", lambda t: t.startswith("Nothing imported"))
    assert "1 line has a problem" in summary, summary
    [problem] = find_all(driver, "import-error")
    assert problem.get_attribute("data-line") == "3"
    click(driver, "import-good-lines")
    summary = wait_text(driver, "import-result", lambda t: t.startswith("Added"))
    assert summary.startswith("Added 1 merchant"), summary
    wait(driver, lambda d: [r.get_attribute("data-mid") for r in find_all(d, "merchant-row")]
         == [FIRST[0], "shop_hamburg_03"], "the imported merchant is listed")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", find(driver, "import-result"))
    shot(driver, "10-settings-import")


def emulator_merchant_id(mid):
    """The merchant id the emulator gives a MID (crates/emulator/src/issue.rs, external_organization_id)."""
    digest = hashlib.sha256(f"mpos-emulator external organization id\n{mid}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def test_certificate_profile_tests_and_generates(driver, cert_emulator, certificate, scratch):
    """REST – Certificate: the .p12 is chosen through the (seamed) native dialog, its password is write-only,
    the emulator knows the certificate; the profile is deleted again so the later tests see two profiles."""
    answer_open_dialog(scratch, certificate["p12"])
    go_main(driver)
    before = Select(find(driver, "profile-picker")).first_selected_option.get_attribute("value")
    click(driver, "open-settings")
    click(driver, "settings-add-profile")
    fill(driver, "settings-profile-name", CERT_PROFILE)
    Select(find(driver, "settings-environment")).select_by_value("custom")
    fill(driver, "settings-custom-url", cert_emulator["url"])
    Select(find(driver, "settings-auth-type")).select_by_value("certificate")
    assert not find_all(driver, "settings-key-id")
    click(driver, "settings-p12-choose")
    wait_text(driver, "settings-p12-path", lambda t: t == "merchant.p12")
    fill(driver, "settings-org-id", certificate["org"])
    fill(driver, "settings-p12-password", certificate["password"])
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", find(driver, "settings-auth-type"))
    shot(driver, "11-settings-certificate")
    # The certificate form is taller: WebDriver would scroll the button to the bottom edge, under the status line.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", find(driver, "settings-save-profile"))
    click(driver, "settings-save-profile")
    stored = wait_text(driver, "settings-secret-stored", lambda t: t.startswith("Stored in"))
    assert "Secret Service" in stored or "keychain" in stored.lower(), stored
    assert certificate["password"] not in driver.page_source
    assert not find_all(driver, "settings-p12-password"), "the saved password is in no field"
    assert text(find(driver, "settings-p12-path")) == "merchant.p12"
    assert not find_all(driver, "credential-warning"), "a certificate valid for a year gives no warning"
    status, state = invoke(driver, "app_state")
    [view] = [p for p in state["profiles"] if p["name"] == CERT_PROFILE]
    assert view["authType"] == "certificate" and view["p12Path"] == str(certificate["p12"]), view
    assert certificate["password"] not in json.dumps(state)

    click(driver, "settings-test-connection")
    result = wait_text(driver, "settings-test-result", lambda t: t.strip() != "")
    assert "accepted" in result, result
    add_merchant(driver, certificate["org"], "Certificate shop")

    go_main(driver)
    if Select(find(driver, "profile-picker")).first_selected_option.get_attribute("value") != CERT_PROFILE:
        switch_profile(driver, CERT_PROFILE)
    single_mode(driver)
    click(driver, "generate-button")
    card = find(driver, "result-card")
    assert certificate["org"] in text(card.find_element(By.TAG_NAME, "h2"))
    assert text(find(driver, "result-merchant-id")) == emulator_merchant_id(certificate["org"])
    assert "Stored in keychain" in text(find(driver, "result-stored"))
    assert not find_all(driver, "credential-warning")
    shot(driver, "12-main-certificate-result")

    open_profile_settings(driver, CERT_PROFILE)
    click(driver, "settings-delete-profile")
    click(driver, "confirm-ok")
    wait(driver, lambda d: all(i.get_attribute("data-name") != CERT_PROFILE
                               for i in find_all(d, "settings-profile-item")), "certificate profile deleted")
    # The later tests start from the profile that was active before this one.
    go_main(driver)
    if Select(find(driver, "profile-picker")).first_selected_option.get_attribute("value") != before:
        switch_profile(driver, before)


def test_dark_theme_screens(driver):
    click(driver, "open-settings")
    Select(find(driver, "theme-select")).select_by_value("dark")
    wait(driver, lambda d: d.execute_script("return document.documentElement.dataset.theme") == "dark", "dark theme")
    driver.execute_script("document.querySelector('.content').scrollTop = 0")
    shot(driver, "02-settings-profile")
    open_profile_settings(driver, PROFILE)
    rows = find_all(driver, "merchant-row")
    driver.execute_script("arguments[0].scrollIntoView()", rows[0])
    shot(driver, "03-settings-merchants")

    click(driver, "back-button")
    switch_profile(driver, PROFILE)
    single_mode(driver)
    click(driver, "generate-button")
    find(driver, "result-card")
    shot(driver, "04-main-result")
    toggle = find(driver, "batch-toggle")
    toggle.click()
    find(driver, "batch-count")
    shot(driver, "06-batch")
    click(driver, "open-history")
    wait(driver, lambda d: len(find_all(d, "history-row")) == 5, "five keys in the history (two deleted)")
    shot(driver, "07-history")

    # Without profiles the welcome comes back; the theme stays dark.
    for name in (WRONG, PROFILE):
        open_profile_settings(driver, name)
        click(driver, "settings-delete-profile")
        click(driver, "confirm-ok")
        wait(driver, lambda d: all(i.get_attribute("data-name") != name for i in find_all(d, "settings-profile-item")),
             f"{name} deleted")
    click(driver, "back-button")
    wait(driver, lambda d: d.find_elements(By.ID, "welcome-title"), "welcome again")
    assert driver.execute_script("return document.documentElement.dataset.theme") == "dark"
    shot(driver, "01-welcome")


def test_closing_with_an_unsaved_key_asks_first(driver):
    """Last: it ends the app. The window manager's close request is held back while a key exists only in
    memory; the user can stay, or quit anyway."""
    click(driver, "welcome-try-demo")
    find(driver, "generate-button")
    click(driver, "open-settings")
    remember = find(driver, "remember-keys")
    if remember.is_selected():
        remember.click()
        wait_text(driver, "status-line", lambda t: t == "Settings saved.")
    click(driver, "back-button")
    single_mode(driver)
    click(driver, "generate-button")
    stored = wait_text(driver, "result-stored", lambda t: t != "")
    assert "Not stored" in stored, stored

    assert request_close(TITLE) >= 1
    question = wait_text(driver, "confirm-dialog", lambda t: "Quit anyway" in t)
    assert "not" in question and "stored" in question, question
    shot(driver, "11-close-unsaved")
    click(driver, "confirm-cancel")
    wait(driver, lambda d: not find_all(d, "confirm-dialog"), "the question closes")
    assert window_exists(TITLE), "Stay keeps the window"
    find(driver, "result-card")

    assert request_close(TITLE) >= 1
    find(driver, "confirm-ok")
    try:
        click(driver, "confirm-ok")
    except WebDriverException:
        pass  # the app may quit before WebDriver answers the click
    deadline = time.time() + 15
    while window_exists(TITLE) and time.time() < deadline:
        time.sleep(0.2)
    assert not window_exists(TITLE), "Quit anyway ends the app"


def _exported_secrets(save_dir):
    """Every generated secret the app wrote to the explicit exports (the only place they may be)."""
    found = set()
    for path in save_dir.iterdir():
        if path.name.startswith("activation-codes-"):
            continue  # codes, not keys: see _exported_codes
        if path.suffix == ".json":
            found.update(k["merchantSecret"] for k in json.loads(path.read_text())["keys"])
        elif path.suffix == ".csv":
            found.update(r["merchant_secret"] for r in csv.DictReader(io.StringIO(path.read_text())))
    return {s for s in found if s}


def _exported_codes(save_dir):
    """Every activation code the app wrote to the explicit exports."""
    found = set()
    for path in save_dir.glob("activation-codes-*.csv"):
        found.update(r["code"] for r in csv.DictReader(io.StringIO(path.read_text())))
    return {c for c in found if c}


def test_no_secret_is_left_outside_the_exports(scratch, emulator, save_dir):
    # Runs last: the whole flow above is done and the app has quit, so every file it writes is written.
    codes = _exported_codes(save_dir)
    assert codes == set(seen["codes"]), "the activation codes shown were the ones downloaded"
    secrets = _exported_secrets(save_dir) | {emulator["secret"], seen["secret"]} | codes
    assert len(secrets) >= 3, "the flow exported keys to look for"
    roots = [scratch / "config", scratch / "data"]
    if os.environ.get("XDG_CACHE_HOME"):
        roots.append(Path(os.environ["XDG_CACHE_HOME"]))
    scanned, leaks = 0, []
    for root in roots:
        for path in root.rglob("*"):
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            scanned += 1
            leaks += [f"{path}: {s[:6]}…" for s in secrets if s.encode() in data]
    assert scanned >= 2, f"expected the config and history files, scanned {scanned}"
    # The app's stdout and stderr (its log lines too) and WebKitWebDriver's output: tauri-driver writes them
    # all to this file.
    driver_log = SHOTS / "tauri-driver.log"
    output = driver_log.read_bytes()
    assert b"first screen painted" in output, "the app's own log lines should reach the driver log"
    leaks += [f"{driver_log}: {s[:6]}…" for s in secrets if s.encode() in output]
    assert not leaks, leaks
