"""A bounded property-based fuzz of the whole OpenAPI schema: no input is a server error.

Schemathesis generates requests for every operation in ``/openapi.json`` (valid and invalid
bodies, paths and queries) and sends them in-process to the ASGI app, as an anonymous caller, a
steward, a sandbox session, a bank operator and an enterprise admin. Every answer must be below
500. Bounded and stable for CI: at most ``MAX_EXAMPLES`` generated cases per operation, mode
(valid/invalid) and credential, derandomised (the same cases every run), no example database.
No operation is excluded: the multipart upload routes are fuzzed too (generated bodies are small).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from classification.checksums import uscc_check_char
from lab.app import create_app
from lab.db import transaction
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.unit.lab.gateway.restricted import publish_tax_table, sandbox_token

FIRST17 = "91370200MA00XYY00"
BANK = ("模糊测试银行", OrganisationKind.BANK, None)
ENTERPRISE = ("模糊测试企业", OrganisationKind.ENTERPRISE, FIRST17 + uscc_check_char(FIRST17))
MAX_EXAMPLES = 6
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
"""Per operation, mode and credential; generation only (a 5xx is reported, not shrunk)."""


def _api_token(lab: LabServices, username: str, role: Role, org: str | None = None) -> str:
    """An API token of a new user with ``role`` (in organisation ``org``)."""
    with transaction(lab.sessions) as session:
        user = create_user(
            session, lab.audit, actor="t", username=username, roles=[role], organisation=org
        )
        return issue_token(
            session,
            lab.audit,
            actor="t",
            user=user,
            kind=TokenKind.API,
            name="fuzz",
            lifetime=timedelta(hours=2),
        ).plain


@pytest.fixture(scope="module")
def fuzz_lab(tmp_path_factory: pytest.TempPathFactory):
    """One lab for the whole fuzz: a published T3 table, a steward and a sandbox project, and
    the app's OpenAPI schema served in-process by the ASGI app."""
    folder = tmp_path_factory.mktemp("fuzz")
    lab = open_services(LabSettings(home=folder / "home"))
    publish_tax_table(lab, folder)
    with transaction(lab.sessions) as session:
        for name, kind, code in (BANK, ENTERPRISE):
            create_organisation(
                session, lab.audit, actor="t", name=name, kind=kind, credit_code=code
            )
    tokens = {
        "anonymous": None,
        "steward": _api_token(lab, "fuzz-steward", Role.STEWARD),
        "sandbox": sandbox_token(lab),
        "bank": _api_token(lab, "fuzz-banker", Role.BANK_OPERATOR, BANK[0]),
        "enterprise": _api_token(lab, "fuzz-boss", Role.ENTERPRISE_ADMIN, ENTERPRISE[0]),
    }
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(lab))
    try:
        yield schema, tokens
    finally:
        lab.close()


def _server_errors(operation, headers: dict[str, str], mode: GenerationMode) -> set[str]:
    """Send ``MAX_EXAMPLES`` generated cases of one operation; the 5xx answers, described."""
    found: set[str] = set()

    @FUZZ
    @given(case=operation.as_strategy(mode))
    def send(case) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            found.add(
                f"{case.method} {operation.path} ({mode.value}) → {response.status_code} "
                f"{response.text[:200]}; reproduce: {case.as_curl_command()}"
            )

    try:
        send()
    except Unsatisfiable:  # only in negative mode: an operation without inputs has no invalid one
        assert mode is GenerationMode.NEGATIVE, operation.path
    return found


@pytest.mark.parametrize("who", ["anonymous", "steward", "sandbox", "bank", "enterprise"])
def test_no_generated_request_is_a_server_error(fuzz_lab, who: str) -> None:
    """Every operation of the schema, sent valid and invalid generated requests as an anonymous
    caller, a steward, a sandbox session, a bank operator or an enterprise admin, answers below
    500 (none excluded)."""
    schema, tokens = fuzz_lab
    headers = {"Authorization": f"Bearer {tokens[who]}"} if tokens[who] else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    errors: set[str] = set()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            errors |= _server_errors(operation, headers, mode)
    assert not errors, "\n".join(sorted(errors))
