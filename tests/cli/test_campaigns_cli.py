"""``outreach-bot campaigns create`` and ``outreach-bot demo seed`` as a newcomer runs them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import run_cli


def test_demo_seed_says_what_it_created_and_how_to_remove_it(tmp_path: Path) -> None:
    """The demo data is announced as invented, with its counts and the command to clear it."""
    result = run_cli(["demo", "seed"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "DEMO data created (invented" in result.stdout
    assert "5 campaigns, 174 scans, 71 conversations, 29 consents, 31 leads" in result.stdout
    assert "outreach-bot demo clear" in result.stdout


def test_a_campaign_date_in_the_wrong_format_is_a_usage_error(tmp_path: Path) -> None:
    """``--date 31/02/2026`` stops with one line saying how to write a date."""
    result = run_cli(
        ["campaigns", "create", "FORUM-B", "--name", "Forum", "--date", "31/02/2026"], tmp_path
    )
    assert result.returncode == 2
    assert "write it like 2026-05-12 or 12/05/2026" in result.stderr


def test_a_bad_code_is_refused_with_the_rule(tmp_path: Path) -> None:
    """A code with a space is refused with the rule, a French date is accepted."""
    bad = run_cli(["campaigns", "create", "forum verdun", "--name", "Forum"], tmp_path)
    assert bad.returncode == 1
    assert "no spaces" in bad.stderr
    good = run_cli(
        ["campaigns", "create", "forum-verdun", "--name", "Forum", "--date", "12/05/2026"],
        tmp_path,
    )
    assert good.returncode == 0, good.stderr
    assert "campaign FORUM-VERDUN created: http://127.0.0.1:8080/q/FORUM-VERDUN" in good.stdout


def test_without_a_code_one_of_at_most_twelve_characters_is_made_from_the_name(
    tmp_path: Path,
) -> None:
    """``campaigns create --name …`` alone makes a code short enough to text by hand."""
    result = run_cli(
        ["campaigns", "create", "--name", "Forum de l'emploi saisonnier de Verdun, mai 2026"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "campaign FORUM-EMPLOI created: http://127.0.0.1:8080/q/FORUM-EMPLOI" in result.stdout


def test_the_printed_link_says_it_assumes_runs_default_address(tmp_path: Path) -> None:
    """With no public URL set, the campaign's link says it holds for ``run`` on its default
    address only, and which setting gives the right one; with it set, no such caveat."""
    assumed = run_cli(["campaigns", "create", "MARCHE-STENAY", "--name", "Marché"], tmp_path)
    assert assumed.returncode == 0, assumed.stderr
    assert "run's default address" in assumed.stdout
    assert "set OUTREACH_PUBLIC_URL" in assumed.stdout
    public = run_cli(
        ["campaigns", "create", "MARCHE-DUN", "--name", "Marché"],
        tmp_path,
        OUTREACH_PUBLIC_URL="https://bot.example.org/",
    )
    assert public.returncode == 0, public.stderr
    assert "campaign MARCHE-DUN created: https://bot.example.org/q/MARCHE-DUN" in public.stdout
    assert "OUTREACH_PUBLIC_URL" not in public.stdout
