"""Alerts of a quality run (dtsen.quality.alerts) against an SMTP and an HTTP server the test
starts on this machine. The alerts of a real `dtsen quality` run (a warning, a blocking
failure, a channel that cannot be reached) are checked in test_quality.py on the runs it
already makes."""

from __future__ import annotations

import pytest
from alert_servers import free_port, smtp_server, webhook_server

from dtsen.project import PROJECT_DIR
from dtsen.quality import alerts
from dtsen.quality.runner import Outcome, QualityRun


def _run(*severities: str) -> QualityRun:
    """A run with one failed expectation of each given severity (critical blocks)."""
    outcomes = [
        Outcome(
            suite="marts_mart_targeting_errors_administrative",
            table="marts.mart_targeting_errors_administrative",
            check=f"inclusion_error_rate_{number}",
            label_id="Kesalahan inklusi di bawah ambang",
            label_en="Inclusion error below the threshold",
            expectation="unexpected_rows_expectation",
            severity=severity,
            success=False,
            observed=3,
        )
        for number, severity in enumerate(severities)
    ]
    return QualityRun(
        run_id="a1b2c3d4e5f6",
        run_date="2026-11-30T07:00:00+07:00",
        db="warehouse.duckdb",
        report_dir="quality",
        outcomes=outcomes,
        figures={},
        report_path="quality/laporan_kualitas_data.html",
    )


def _config(tmp_path, text: str):
    path = tmp_path / "alerts.yml"
    path.write_text(text)
    return path


def test_without_a_configuration_nothing_is_sent(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(alerts.CONFIG_VARIABLE, raising=False)
    monkeypatch.setattr(alerts, "DEFAULT_CONFIG", tmp_path / "alerts.yml")  # absent
    assert alerts.config_path() is None
    assert alerts.notify(_run("warning", "critical")) == []
    assert capsys.readouterr() == ("", "")


def test_a_warning_sends_one_message_to_each_channel(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret-from-env")
    with smtp_server("dtsen", "s3cret-from-env") as (smtp_port, mailbox), webhook_server() as (port, posts):
        monkeypatch.setenv("TEST_WEBHOOK", f"http://127.0.0.1:{port}/hooks/t0ken")
        path = _config(
            tmp_path,
            f"""
channels:
  - {{type: email, host: 127.0.0.1, port: {smtp_port}, security: none, username: dtsen,
     password_env: TEST_SMTP_PASSWORD, from: dtsen@example.go.id, to: officer@example.go.id}}
  - {{type: webhook, url_env: TEST_WEBHOOK}}
""",
        )
        sent = alerts.notify(_run("warning"), path)
    assert sent == [f"e-mail via 127.0.0.1:{smtp_port}", f"webhook http://127.0.0.1:{port}"]
    assert capsys.readouterr().err == ""
    (mail,) = mailbox.messages
    assert mailbox.logins == [("dtsen", "s3cret-from-env")]
    assert mail["Subject"] == alerts.headline(_run("warning"))
    assert (
        "Data siap dipublikasikan; 1 peringatan lain" in mail["Subject"]
        and mail["To"] == "officer@example.go.id"
    )
    body = mail.get_content()
    assert "Status: warning (run a1b2c3d4e5f6, 2026-11-30T07:00:00+07:00)" in body
    assert "Kesalahan inklusi di bawah ambang / Inclusion error below the threshold" in body
    (post,) = posts
    assert post["path"] == "/hooks/t0ken" and post["type"] == "application/json"
    assert post["json"]["status"] == "warning" and post["json"]["exit_code"] == 0
    assert post["json"]["text"] == post["json"]["headline"] == mail["Subject"]
    assert [f["severity"] for f in post["json"]["failures"]] == ["warning"]


def test_notify_on_blocking_ignores_warnings(tmp_path):
    with webhook_server() as (port, posts):
        path = _config(
            tmp_path, f"notify_on: blocking\nchannels: [{{type: webhook, url: 'http://127.0.0.1:{port}/'}}]\n"
        )
        assert alerts.notify(_run("warning"), path) == []
        assert alerts.notify(_run("warning", "critical"), path) == [f"webhook http://127.0.0.1:{port}"]
        assert alerts.notify(_run(), path) == []  # a clean run
    (post,) = posts
    assert post["json"]["status"] == "blocked" and post["json"]["exit_code"] == 1
    assert post["json"]["headline"].startswith("DTSEN: Data belum siap dipublikasikan: 1 pemeriksaan")


def test_the_alert_says_what_the_report_s_headline_says(tmp_path):
    """The alert's headline is the report's, word for word, in both languages: a warning, a
    blocking failure, and targeting errors over the limit for two programmes."""
    import html
    import re

    from dtsen.quality.html_report import write

    targeting = _run("warning")
    targeting.outcomes[0].rows = [
        {
            "program": program,
            "tingkat": "provinsi",
            "kode_wilayah": "32",
            "nama_wilayah": "Jawa Barat",
            "inclusion_error_rate": 0.5,
            "batas_bawah": 0.4,
        }
        for program in ("pkh", "pip")
    ]
    for run in (_run("warning"), _run("warning", "critical"), targeting):
        page = write(run, [], tmp_path / "report.html").read_text(encoding="utf-8")
        shown = re.search(r'data-figure="headline">(.*?)</p>', page).group(1)
        indonesian, english = alerts.headline(run).removeprefix("DTSEN: ").split(" / ")
        assert html.escape(indonesian) in shown and html.escape(english) in shown, (
            alerts.headline(run),
            shown,
        )
    assert "kesalahan penargetan di atas ambang untuk 2 program" in alerts.headline(targeting)


def test_an_unreachable_channel_is_reported_and_the_others_still_sent(tmp_path, capsys):
    closed = free_port()
    with webhook_server() as (port, posts):
        path = _config(
            tmp_path,
            f"""
channels:
  - {{type: email, host: 127.0.0.1, port: {closed}, security: none,
     from: a@example.go.id, to: [b@example.go.id]}}
  - {{type: webhook, url: 'http://127.0.0.1:{closed}/hooks/t0ken'}}
  - {{type: webhook, url: 'http://127.0.0.1:{port}/'}}
""",
        )
        assert alerts.notify(_run("warning"), path) == [f"webhook http://127.0.0.1:{port}"]
    assert len(posts) == 1
    err = capsys.readouterr().err
    assert f"warning: alert via e-mail via 127.0.0.1:{closed} failed (ConnectionRefusedError" in err
    assert f"warning: alert via webhook http://127.0.0.1:{closed} failed (URLError" in err
    assert "t0ken" not in err  # a webhook's path may be its secret


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("notify_on: always\n", "notify_on is 'always'"),
        ("channels: [{type: pager}]\n", "channel 1: needs type: email or type: webhook"),
        ("channels: [{type: email, host: h, from: a@b}]\n", "channel 1 (e-mail): missing to"),
        (
            "channels: [{type: email, host: h, from: a@b, to: c@d, password: hunter2}]\n",
            "no password in the file",
        ),
        ("channels: [{type: webhook, url: 'ftp://h/'}]\n", "url must start with http:// or https://"),
        (
            "channels: [{type: webhook, url_env: DTSEN_TEST_UNSET_VARIABLE}]\n",
            "DTSEN_TEST_UNSET_VARIABLE is empty",
        ),
        ("channels: [\n", "cannot be read"),
    ],
)
def test_a_wrong_configuration_is_reported_not_raised(tmp_path, capsys, text, problem):
    path = _config(tmp_path, text)
    assert alerts.notify(_run("critical"), path) == []
    err = capsys.readouterr().err
    assert f"warning: no alert sent: alerts file {path}" in err and problem in err


def test_the_example_configuration_loads(monkeypatch):
    monkeypatch.setenv("DTSEN_ALERT_WEBHOOK", "https://chat.example.go.id/hooks/t0ken")
    config = alerts.load_config(PROJECT_DIR / "alerts.example.yml")
    assert config.notify_on == "warning"
    assert [channel.kind for channel in config.channels] == ["email", "webhook"]
    assert config.channels[0].settings["password_env"] == "DTSEN_SMTP_PASSWORD"
