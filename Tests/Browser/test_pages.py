"""The web page in headless Chromium (selenium), against a live `oathctl serve` on loopback.

Run by scripts/browser-tests.sh, which prepares the store: tokens T1 (helga), T2 (olaf) and T3
(unassigned) with the seeds in $SEED, $SEED2 and $SEED3, lockout.threshold 3, and the operators hana (helpdesk),
ada (admin) and audrey (auditor), each with the password "<name>-browser-password".
"""
import os
import subprocess
import sys
import tempfile
import time
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

BASE, OATHCTL, SEED = os.environ["BASE"], os.environ["OATHCTL"], os.environ["SEED"]
WORK, SAMPLES, SHOTS = os.environ["WORK"], os.environ["SAMPLES"], os.environ["SHOTS"]


def browser(downloads=None):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/lib/chromium/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1100,900", f"--user-data-dir={tempfile.mkdtemp(dir=WORK)}"):
        options.add_argument(argument)
    if downloads:
        options.add_experimental_option("prefs", {"download.default_directory": downloads, "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    if downloads:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    return driver


def code(offset=0, seed=SEED):
    """The code a test token shows `offset` seconds from now (oathctl code, the seed on stdin)."""
    moment = str(int(time.time()) + offset)
    return subprocess.run([OATHCTL, "code", "--time", moment], input=seed, capture_output=True, text=True, check=True).stdout.strip()


def wait_for(driver, css, timeout=10):
    return WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, css))


def result(driver):
    return driver.find_element(By.ID, "result").text


def sign_in(driver, name, path="/"):
    driver.get(BASE + path)
    assert "/login" in driver.current_url, driver.current_url
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(f"{name}-browser-password")
    driver.find_element(By.ID, "sign-in").click()
    wait_for(driver, "#operator-name")


def gone(element):
    """True once `element`'s page has been replaced. (Chromium sometimes answers a detached node with
    a plain WebDriverException rather than a stale-element one, so any error means gone.)"""
    def check(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True
    return check


def submit(driver, form_button_id):
    """Clicks a form's button and waits for the next page (not the old one's elements)."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, form_button_id).click()
    WebDriverWait(driver, 10).until(gone(page))
    wait_for(driver, "#result")


def keys_then_new_page(driver, *keys):
    page = driver.find_element(By.TAG_NAME, "html")
    chain = ActionChains(driver)
    for key in keys:
        chain = chain.send_keys(key)
    chain.perform()
    WebDriverWait(driver, 10).until(gone(page))


def check_sign_in_page():
    driver = browser()
    try:
        driver.get(BASE + "/")
        assert "/login?next=" in driver.current_url
        driver.save_screenshot(os.path.join(SHOTS, "sign-in.png"))
        driver.find_element(By.ID, "name").send_keys("hana")
        driver.find_element(By.ID, "password").send_keys("not the password")
        submit(driver, "sign-in")
        assert "the name or the password (or key) is wrong" in result(driver), result(driver)
        # A name that does not exist gets the same words.
        driver.find_element(By.ID, "name").send_keys("nobody")
        driver.find_element(By.ID, "password").send_keys("not the password")
        submit(driver, "sign-in")
        assert "the name or the password (or key) is wrong" in result(driver)
    finally:
        driver.quit()


def check_helpdesk_flow():
    driver = browser()
    try:
        sign_in(driver, "hana")
        assert driver.find_element(By.ID, "operator-role").text == "helpdesk"
        driver.find_element(By.ID, "q").send_keys("helga@contoso.com")
        submit(driver, "search")
        assert "4 of 5 slots free" in wait_for(driver, "#slots").text
        driver.find_element(By.LINK_TEXT, "T1").click()
        wait_for(driver, "#token-card")
        shown = code()
        driver.find_element(By.ID, "code").send_keys(shown[:3] + " " + shown[3:])  # spaces are ignored
        submit(driver, "activate")
        assert "accepted" in result(driver), result(driver)
        assert driver.find_element(By.ID, "token-status").text == "activated"
        driver.save_screenshot(os.path.join(SHOTS, "token-card.png"))
        # The same code again: already used.
        driver.find_element(By.ID, "code").send_keys(shown)
        submit(driver, "verify")
        assert "already used" in result(driver), result(driver)
        assert shown not in driver.page_source  # a code typed in never comes back in a page
        # Wrong codes up to the threshold (3): the third locks the token.
        for attempt in range(2):
            driver.find_element(By.ID, "code").send_keys("000000" if shown != "000000" else "111111")
            submit(driver, "verify")
        assert "locked until" in result(driver), result(driver)
        assert driver.find_element(By.ID, "token-locked").text != "not locked"
        submit(driver, "unlock")
        assert "Unlocked T1" in result(driver)
        assert driver.find_element(By.ID, "token-locked").text == "not locked"
        # Resync with two consecutive codes the token will show.
        driver.find_element(By.ID, "code1").send_keys(code(60))
        driver.find_element(By.ID, "code2").send_keys(code(90))
        submit(driver, "resync")
        assert "Resynchronised T1" in result(driver) and "accepted" in result(driver), result(driver)
        # Assign T3 to helga, then unassign it after the confirmation.
        driver.get(BASE + "/tokens/T3")
        driver.find_element(By.ID, "upn").send_keys("helga@contoso.com")
        submit(driver, "assign")
        assert "3 of 5 slots left" in result(driver), result(driver)
        submit(driver, "unassign")
        submit(driver, "confirm-unassign")
        assert "Unassigned T3" in result(driver)
        # Readable on a phone: at 360 px nothing but the wide tables (which scroll) is wider than the screen.
        driver.set_window_size(360, 800)
        driver.get(BASE + "/tokens/T1")
        assert driver.execute_script("return window.innerWidth") <= 380, "the window did not narrow to a phone's width"
        overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the token card is {overflow} px wider than a 360 px screen"
        driver.set_window_size(1100, 900)
        # No cookie a script can read.
        assert driver.execute_script("return document.cookie") == ""
        # Sign out; the back button shows no data.
        submit(driver, "sign-out")
        wait_for(driver, "#sign-in")
        # Wait for the page the back button brings (the old one's elements gone, the new one loaded), then look.
        page = driver.find_element(By.TAG_NAME, "html")
        driver.back()
        WebDriverWait(driver, 10).until(gone(page))
        WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
        assert "token-card" not in driver.page_source and "helga@contoso.com" not in driver.page_source, driver.current_url
    finally:
        driver.quit()


def check_keyboard_activation():
    """Sign in, search, open the token and activate it with keys only."""
    driver = browser()
    try:
        driver.get(BASE + "/")
        keys_then_new_page(driver, "hana", Keys.TAB, "hana-browser-password", Keys.ENTER)
        wait_for(driver, "#q")
        assert driver.switch_to.active_element.get_attribute("id") == "q"
        keys_then_new_page(driver, "T2", Keys.ENTER)
        wait_for(driver, "#token-card")
        for _ in range(30):
            if driver.switch_to.active_element.get_attribute("id") == "code":
                break
            ActionChains(driver).send_keys(Keys.TAB).perform()
        assert driver.switch_to.active_element.get_attribute("id") == "code", "the code field cannot be reached with Tab"
        keys_then_new_page(driver, code(30, os.environ["SEED2"]), Keys.ENTER)
        assert "Activated T2" in result(driver) and "accepted" in result(driver), result(driver)
    finally:
        driver.quit()


def check_admin_upload():
    downloads = tempfile.mkdtemp(dir=WORK)
    driver = browser(downloads)
    try:
        sign_in(driver, "ada", "/upload")
        assert driver.current_url.endswith("/upload")
        driver.find_element(By.ID, "file").send_keys(os.path.join(SAMPLES, "tokens-with-errors.csv"))
        driver.find_element(By.ID, "check-file").click()
        wait_for(driver, "#findings tbody tr", 20)
        rows = driver.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
        assert len(rows) == 19, len(rows)
        driver.find_element(By.CSS_SELECTOR, "#findings thead th:nth-child(5) button").click()  # sort by code
        assert driver.find_element(By.CSS_SELECTOR, "#findings tbody tr td:nth-child(5)").text == "column_unknown"
        driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.ID, "findings"))
        driver.save_screenshot(os.path.join(SHOTS, "upload-findings.png"))
        driver.find_element(By.ID, "download-report").click()
        target = os.path.join(downloads, "Failures_tokens-with-errors.csv")
        for _ in range(100):
            if os.path.exists(target):
                break
            time.sleep(0.1)
        expected = os.path.join(WORK, "cli-report.csv")
        subprocess.run([OATHCTL, "validate", os.path.join(SAMPLES, "tokens-with-errors.csv"), "--report", expected], capture_output=True)
        with open(target, "rb") as downloaded, open(expected, "rb") as written:
            assert downloaded.read() == written.read(), "the downloaded report differs from oathctl validate's"
        driver.find_element(By.ID, "import-accepted").click()
        WebDriverWait(driver, 20).until(lambda d: "Imported" in d.find_element(By.ID, "upload-status").text)
        assert "9 added" in driver.find_element(By.ID, "upload-status").text
        driver.find_element(By.ID, "see-batches").click()
        assert "tokens-with-errors.csv" in wait_for(driver, "#batches").text
        # A program operator: its key is shown once.
        driver.get(BASE + "/operators")
        driver.find_element(By.ID, "new-name").send_keys("vpn-gateway")
        driver.find_element(By.CSS_SELECTOR, "#new-role option[value=verifier]").click()
        driver.find_element(By.ID, "new-program").click()
        submit(driver, "add-operator")
        key = driver.find_element(By.ID, "new-api-key").text
        assert key.startswith("oak_") and len(key) == 68
        driver.get(BASE + "/operators")
        assert "vpn-gateway" in driver.page_source and key not in driver.page_source
        # The last admin cannot remove itself; the rule is explained.
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.XPATH, "//tr[td[1]='ada']//button[text()='Remove']").click()
        WebDriverWait(driver, 10).until(gone(page))
        assert "last enabled admin" in result(driver), result(driver)
    finally:
        driver.quit()


def check_roles_and_csrf():
    driver = browser()
    try:
        sign_in(driver, "hana")
        for path in ("/upload", "/operators", "/batches"):
            driver.get(BASE + path)
            assert "Not for your role" in driver.page_source, path
        post = """const [path, body] = arguments; return fetch(path, {method: 'POST', body: new URLSearchParams(body)}).then(r => r.status);"""
        csrf = driver.find_element(By.CSS_SELECTOR, "meta[name=csrf-token]").get_attribute("content")
        assert driver.execute_script(post, "/tokens/T1/unlock", {}) == 403                      # no CSRF token
        assert driver.execute_script(post, "/tokens/T1/unlock", {"csrf": "0" * 64}) == 403      # a wrong one
        status = driver.execute_script(post, "/tokens/T1/unlock", {"csrf": csrf})
        assert status == 200, status                                                             # the right one
    finally:
        driver.quit()
    driver = browser()
    try:
        sign_in(driver, "audrey", "/tokens/T1")
        assert driver.find_elements(By.CSS_SELECTOR, "#token-card form, main form[action^='/tokens']") == []
        csrf = driver.find_element(By.CSS_SELECTOR, "meta[name=csrf-token]").get_attribute("content")
        post = """const [path, body] = arguments; return fetch(path, {method: 'POST', body: new URLSearchParams(body)}).then(r => r.status);"""
        for path in ("/tokens/T1/unlock", "/tokens/T1/unassign", "/policy", "/operators"):
            assert driver.execute_script(post, path, {"csrf": csrf, "confirm": "yes"}) == 403, path
        driver.get(BASE + "/audit?serial=T1")
        assert "token.activate" in wait_for(driver, "#audit").text
    finally:
        driver.quit()


def main():
    checks = [check_sign_in_page, check_helpdesk_flow, check_keyboard_activation, check_admin_upload, check_roles_and_csrf]
    failed = 0
    for check in checks:
        started = time.time()
        try:
            check()
            print(f"ok    {check.__name__} ({time.time() - started:.1f} s)")
        except Exception:
            failed += 1
            print(f"FAIL  {check.__name__}")
            traceback.print_exc()
    print(f"browser tests: {len(checks) - failed} of {len(checks)} passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
