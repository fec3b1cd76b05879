"""Alerts after `dtsen quality`: a blocking failure or a warning notifies the people who act on
it, by e-mail (SMTP) and/or a webhook (an HTTP POST of JSON, which chat tools and ticket
systems take), configured in one YAML file (docs/alerts.md; alerts.example.yml).

The file is $DTSEN_ALERTS when set, else alerts.yml at the project root; with neither,
nothing is sent. No secret stands in the file: the SMTP password and a webhook address that
carries a token are named by the environment variable that holds them.

An alert never changes the run's verdict: a channel that cannot be reached or refuses is
reported on stderr (which channel, what failed) and the run's exit code stays what the data
made it. A file that cannot be read as a configuration is reported the same way.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import sys
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from dtsen.project import PROJECT_DIR

CONFIG_VARIABLE = "DTSEN_ALERTS"
DEFAULT_CONFIG = PROJECT_DIR / "alerts.yml"
NOTIFY_ON = ("warning", "blocking")  # warning: blocking failures and warnings; blocking: those only
SECURITY = ("starttls", "ssl", "none")
TIMEOUT_SECONDS = 10


class AlertConfigError(ValueError):
    """The alerts file is not a configuration dtsen can use (names the file and the problem)."""


@dataclass
class Channel:
    kind: str  # email | webhook
    settings: dict

    @property
    def name(self) -> str:
        """How the log names the channel: no password, no webhook path (it may hold a token)."""
        if self.kind == "email":
            return f"e-mail via {self.settings['host']}:{self.settings['port']}"
        address = urlsplit(self.settings["url"])
        return f"webhook {address.scheme}://{address.netloc}"


@dataclass
class AlertConfig:
    path: Path
    notify_on: str
    channels: list[Channel]


def config_path() -> Path | None:
    """The alerts file in force, or None when alerts are not configured."""
    named = os.environ.get(CONFIG_VARIABLE)
    if named:
        return Path(named)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def load_config(path: Path) -> AlertConfig:
    """Read and check the alerts file; secrets are read from the environment when sending."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise AlertConfigError(f"alerts file {path}: cannot be read: {error}") from error
    if not isinstance(data, dict):
        raise AlertConfigError(f"alerts file {path}: must be a mapping with notify_on and channels")
    notify_on = data.get("notify_on", "warning")
    if notify_on not in NOTIFY_ON:
        raise AlertConfigError(f"alerts file {path}: notify_on is {notify_on!r}, expected one of {NOTIFY_ON}")
    channels = []
    for number, entry in enumerate(data.get("channels") or [], 1):
        where = f"alerts file {path}: channel {number}"
        if not isinstance(entry, dict) or entry.get("type") not in ("email", "webhook"):
            raise AlertConfigError(f"{where}: needs type: email or type: webhook")
        settings = dict(entry)
        kind = settings.pop("type")
        if kind == "email":
            missing = [key for key in ("host", "from", "to") if not settings.get(key)]
            if missing:
                raise AlertConfigError(f"{where} (e-mail): missing {', '.join(missing)}")
            if isinstance(settings["to"], str):
                settings["to"] = [settings["to"]]
            settings.setdefault("security", "starttls")
            if settings["security"] not in SECURITY:
                raise AlertConfigError(f"{where} (e-mail): security must be one of {SECURITY}")
            settings.setdefault("port", {"ssl": 465, "starttls": 587, "none": 25}[settings["security"]])
            if "password" in settings:
                raise AlertConfigError(
                    f"{where} (e-mail): no password in the file: name its variable in password_env"
                )
        else:
            if bool(settings.get("url")) == bool(settings.get("url_env")):
                raise AlertConfigError(f"{where} (webhook): give url or url_env (one of them)")
            if settings.get("url_env"):
                settings["url"] = os.environ.get(settings["url_env"], "")
                if not settings["url"]:
                    raise AlertConfigError(
                        f"{where} (webhook): environment variable {settings['url_env']} is empty"
                    )
            if urlsplit(settings["url"]).scheme not in ("http", "https"):
                raise AlertConfigError(f"{where} (webhook): url must start with http:// or https://")
        channels.append(Channel(kind, settings))
    return AlertConfig(Path(path), notify_on, channels)


def status(run) -> str:
    """blocked (exit code 1: do not publish), warning, or ok."""
    if run.blocking_failures:
        return "blocked"
    return "warning" if run.warnings else "ok"


def headline(run) -> str:
    """One line, Indonesian then English, saying what is wrong: the words of the report's
    headline (html_report.headline), so that the alert and the report say the same."""
    from dtsen.quality.html_report import headline as report_headline  # jinja2, only when alerting

    words = report_headline(run)
    return f"DTSEN: {words['id']} / {words['en']}"


def payload(run) -> dict:
    """What a webhook receives; `text` is the headline, the field chat tools show."""
    failures = run.blocking_failures + run.warnings
    return {
        "text": headline(run),
        "status": status(run),
        "headline": headline(run),
        "run_id": run.run_id,
        "run_date": run.run_date,
        "exit_code": run.exit_code,
        "blocking_failures": len(run.blocking_failures),
        "warnings": len(run.warnings),
        "failures": [
            {
                "severity": "blocking" if outcome.blocking else "warning",
                "suite": outcome.suite,
                "check": outcome.check,
                "table": outcome.table,
                "label_id": outcome.label_id,
                "label_en": outcome.label_en,
                "message": outcome.message(),
            }
            for outcome in failures
        ],
        "report": run.report_path,
    }


def email_text(run) -> str:
    lines = [headline(run), "", f"Status: {status(run)} (run {run.run_id}, {run.run_date})", ""]
    for outcome in run.blocking_failures + run.warnings:
        label = " / ".join(text for text in (outcome.label_id, outcome.label_en) if text)
        lines += [f"- {label}" if label else f"- {outcome.suite}/{outcome.check}", f"  {outcome.message()}"]
    lines += ["", f"Laporan / report: {run.report_path}"]
    return "\n".join(lines) + "\n"


def notify(run, path: Path | None = None) -> list[str]:
    """Send the run's alert to every configured channel when its outcome calls for one.
    Returns the channels that took it; never raises: every failure is reported on stderr."""
    path = path or config_path()
    if path is None:
        return []
    try:
        config = load_config(path)
    except AlertConfigError as error:
        _report(f"no alert sent: {error}")
        return []
    due = run.blocking_failures or (config.notify_on == "warning" and run.warnings)
    if not due:
        return []
    sent = []
    for channel in config.channels:
        try:
            (_send_email if channel.kind == "email" else _send_webhook)(channel.settings, run)
        except Exception as error:  # any failure of one channel: report it, try the next one
            _report(
                f"alert via {channel.name} failed ({type(error).__name__}: {error}); the run's result stands"
            )
        else:
            sent.append(channel.name)
    return sent


def _send_email(settings: dict, run) -> None:
    message = EmailMessage()
    message["Subject"] = headline(run)
    message["From"] = settings["from"]
    message["To"] = ", ".join(settings["to"])
    message.set_content(email_text(run))
    timeout = settings.get("timeout_seconds", TIMEOUT_SECONDS)
    security = settings["security"]
    if security == "ssl":
        server = smtplib.SMTP_SSL(
            settings["host"], settings["port"], timeout=timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(settings["host"], settings["port"], timeout=timeout)
    with server:
        if security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if settings.get("username"):
            variable = settings.get("password_env")
            password = os.environ.get(variable) if variable else None
            if not password:
                raise RuntimeError(
                    f"username given but the password variable {variable or '(password_env)'} is empty"
                )
            server.login(settings["username"], password)
        server.send_message(message)


def _send_webhook(settings: dict, run) -> None:
    request = urllib.request.Request(
        settings["url"],
        data=json.dumps(payload(run)).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # urlopen raises HTTPError on a status of 400 and above: the channel refused the alert.
    with urllib.request.urlopen(request, timeout=settings.get("timeout_seconds", TIMEOUT_SECONDS)):
        pass


def _report(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr)
