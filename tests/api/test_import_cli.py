"""``flask --app wsgi import KIND FILE [--dry-run]``: exit 0, or 1 naming every bad row."""

from __future__ import annotations

from tests.api.test_imports import DATA, members


def test_import_command(app, client, admin):
    runner = app.test_cli_runner()
    dry = runner.invoke(
        args=["import", "members", str(DATA / "members_cp932_crlf.csv"), "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "3 would be created" in dry.output
    assert members(client, admin) == {}
    done = runner.invoke(args=["import", "members", str(DATA / "members_cp932_crlf.csv")])
    assert done.exit_code == 0, done.output
    assert "3 row(s) read (cp932), 3 created, 0 unchanged" in done.output
    assert len(members(client, admin)) == 3
    again = runner.invoke(args=["import", "members", str(DATA / "members_cp932_crlf.csv")])
    assert "0 created, 3 unchanged" in again.output


def test_import_command_fails_listing_every_bad_row(app, client, admin):
    result = app.test_cli_runner().invoke(
        args=["import", "members", str(DATA / "members_bad_rows.csv")]
    )
    assert result.exit_code == 1
    assert "row 3: contact_email: schema" in result.output
    assert "row 8: -: extra_cells" in result.output
    assert "5 error(s); nothing was imported" in result.output
    assert members(client, admin) == {}


def test_forced_encoding(app, client, admin, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes("name,contact_email\r\n株式会社テスト,t@example.jp\r\n".encode("cp932"))
    runner = app.test_cli_runner()
    wrong = runner.invoke(args=["import", "members", str(path), "--encoding", "utf-8"])
    assert wrong.exit_code == 1
    right = runner.invoke(args=["import", "members", str(path), "--encoding", "cp932"])
    assert right.exit_code == 0, right.output


def test_a_corrected_file_updates_and_says_so(app, client, admin):
    runner = app.test_cli_runner()
    runner.invoke(args=["import", "members", str(DATA / "members_cp932_crlf.csv")])
    corrected = str(DATA / "members_cp932_crlf_corrected.csv")
    dry = runner.invoke(args=["import", "members", corrected, "--dry-run"])
    assert "0 would be created, 2 unchanged, 1 would be updated" in dry.output, dry.output
    done = runner.invoke(args=["import", "members", corrected])
    assert done.exit_code == 0, done.output
    assert "0 created, 2 unchanged, 1 updated" in done.output
    assert len(members(client, admin)) == 3
