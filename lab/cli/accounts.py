"""``datalab user …``, ``datalab org …`` and ``datalab token …``: accounts from the shell."""

from __future__ import annotations

import sys
from datetime import timedelta

import typer
from sqlalchemy import select

from lab.cli.context import one_line_errors, services
from lab.db import transaction
from lab.db.models import User
from lab.errors import InvalidInput
from lab.identity import OrganisationKind, TokenKind
from lab.identity.accounts import (
    create_organisation,
    create_user,
    get_user,
    issue_token,
    revoke_token,
)
from lab.identity.roles import parse_role

user_app = typer.Typer(help="Create and list users.", no_args_is_help=True)
org_app = typer.Typer(help="Create organisations.", no_args_is_help=True)
token_app = typer.Typer(help="Mint and revoke API tokens.", no_args_is_help=True)
CLI_ACTOR = "cli"


@user_app.command("create")
@one_line_errors
def user_create(
    username: str,
    role: list[str] = typer.Option(..., "--role", help="Role to grant (repeatable)."),
    org: str | None = typer.Option(None, help="Organisation name the user belongs to."),
    display_name: str | None = typer.Option(None, help="Name shown on pages."),
    password_stdin: bool = typer.Option(False, help="Read a login password from stdin."),
    print_token: bool = typer.Option(False, help="Mint an API token and print it once."),
    token_days: int | None = typer.Option(None, help="Lifetime of the printed token, in days."),
) -> None:
    """Create a user with roles; optionally set a password and print a fresh API token."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    lab = services()
    with transaction(lab.sessions) as session:
        user = create_user(
            session,
            lab.audit,
            actor=CLI_ACTOR,
            username=username,
            roles=[parse_role(r) for r in role],
            password=password,
            display_name=display_name,
            organisation=org,
        )
        minted = None
        if print_token:
            days = token_days or lab.settings.token_days
            minted = issue_token(
                session,
                lab.audit,
                actor=CLI_ACTOR,
                user=user,
                kind=TokenKind.API,
                name="cli",
                lifetime=timedelta(days=days),
            )
    typer.echo(f"created user {username}")
    if minted:
        print(minted.plain)


@user_app.command("list")
@one_line_errors
def user_list() -> None:
    """List users with their roles and organisation."""
    lab = services()
    with lab.sessions() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            roles = ",".join(sorted(r.role for r in user.roles))
            org = user.organisation.name if user.organisation else "-"
            typer.echo(f"{user.username}\t{roles}\t{org}")


@org_app.command("create")
@one_line_errors
def org_create(
    name: str,
    kind: str = typer.Option(..., help="enterprise, bank, department or bureau."),
    credit_code: str | None = typer.Option(None, help="统一社会信用代码 (enterprises)."),
) -> None:
    """Create an organisation."""
    try:
        org_kind = OrganisationKind(kind)
    except ValueError:
        raise InvalidInput(
            f"--kind {kind!r}: expected enterprise, bank, department or bureau"
        ) from None
    lab = services()
    with transaction(lab.sessions) as session:
        create_organisation(
            session, lab.audit, actor=CLI_ACTOR, name=name, kind=org_kind, credit_code=credit_code
        )
    typer.echo(f"created organisation {name}")


@token_app.command("create")
@one_line_errors
def token_create(
    username: str,
    name: str = typer.Option("cli", help="A label for the token."),
    scope: list[str] = typer.Option([], "--scope", help="Scope to grant (repeatable)."),
    days: int | None = typer.Option(None, help="Lifetime in days (default: DATALAB_TOKEN_DAYS)."),
    sandbox_project: int | None = typer.Option(
        None, help="Mint a sandbox-session token for this project (gateway access, for tests)."
    ),
) -> None:
    """Mint an API token for a user and print it once; only its hash is stored."""
    lab = services()
    kind = TokenKind.API if sandbox_project is None else TokenKind.SANDBOX
    scopes = [*scope, *([f"project:{sandbox_project}"] if sandbox_project is not None else [])]
    with transaction(lab.sessions) as session:
        user = get_user(session, username)
        minted = issue_token(
            session,
            lab.audit,
            actor=CLI_ACTOR,
            user=user,
            kind=kind,
            name=name,
            scopes=scopes,
            lifetime=timedelta(days=days or lab.settings.token_days),
        )
    print(minted.plain)


@token_app.command("revoke")
@one_line_errors
def token_revoke(prefix: str) -> None:
    """Revoke a token by its 8-character prefix (the part after ``cdl_``)."""
    lab = services()
    with transaction(lab.sessions) as session:
        revoke_token(session, lab.audit, actor=CLI_ACTOR, prefix=prefix)
    typer.echo(f"revoked token {prefix}")
