"""The `ppi` command reports every kind of ppikg error as one line on stderr and exits with its exit_code."""

from __future__ import annotations

import pytest

from ppikg import cli, errors

KINDS = [errors.PpikgError, errors.InputError, errors.Unauthorized, errors.Forbidden, errors.NotFound,
         errors.MethodNotAllowed, errors.NotAcceptable, errors.Conflict, errors.PayloadTooLarge,
         errors.UnsupportedMediaType, errors.RequestTimeout, errors.QueryTimeout, errors.Unavailable]


def test_every_kind_is_listed() -> None:
    def subclasses(cls):
        return {cls} | {s for sub in cls.__subclasses__() for s in subclasses(sub)}

    ours = {c for c in subclasses(errors.PpikgError) if c.__module__ == "ppikg.errors"}
    assert ours == set(KINDS) | {errors.QueryFailed}


@pytest.mark.parametrize("error", [kind("it went wrong\non two lines") for kind in KINDS]
                         + [errors.QueryFailed(413, "over 100 rows")], ids=lambda e: type(e).__name__)
def test_an_error_is_one_line_and_its_exit_code(monkeypatch, capsys, error) -> None:
    def command(_args):
        raise error

    monkeypatch.setattr(cli, "cmd_info", command)
    assert cli.main(["info", "--memory"]) == error.exit_code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ppi: error: ") and str(error).split("\n")[0] in err
    assert "Traceback" not in err


def test_bad_input_exits_2() -> None:
    assert {kind.exit_code for kind in KINDS if issubclass(kind, errors.InputError)} == {2}


@pytest.mark.parametrize("exc,exit_code", [(FileNotFoundError(2, "No such file", "x.ttl"), 2),
                                           (PermissionError(13, "Permission denied", "x.ttl"), 2),
                                           (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), 2)])
def test_files_that_cannot_be_read_are_input_errors(monkeypatch, capsys, exc, exit_code) -> None:
    def command(_args):
        raise exc

    monkeypatch.setattr(cli, "cmd_info", command)
    assert cli.main(["info", "--memory"]) == exit_code
    assert capsys.readouterr().err.count("\n") == 1


def test_a_bug_is_not_disguised(monkeypatch) -> None:
    def command(_args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(cli, "cmd_info", command)
    with pytest.raises(ZeroDivisionError):
        cli.main(["info", "--memory"])


def test_validating_a_missing_file_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    assert cli.main(["validate", str(tmp_path / "missing.ttl")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
