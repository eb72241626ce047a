"""Deeply nested queries are refused as bad input (400), never a server error, and cost nothing."""

from __future__ import annotations

from tests.unit.lab.api.test_gateway_api import _get, _post, api  # noqa: F401 (fixture)

WHERE = "SELECT COUNT(*) FROM tax WHERE "
NESTED = {
    "parentheses": WHERE + "(" * 2000 + "\"所属区\" = '市南区'" + ")" * 2000,
    "not": WHERE + "NOT " * 2000 + "\"所属区\" = '市南区'",
    "and_chain": WHERE + " AND ".join(["\"所属区\" = '市南区'"] * 300),
    "negation": WHERE + '"应纳税额（元）" > ' + "- " * 2000 + "1",
}


def test_nested_where_is_rejected_not_a_crash(api) -> None:  # noqa: F811
    """A WHERE nested 2,000 deep (parentheses, NOT, unary minus) or a 300-term AND chain is a
    400 ``query_rejected`` in the one error shape from /query and /cost; no budget is spent."""
    client, tokens = api
    token = tokens["sandbox"]
    for kind, sql in NESTED.items():
        for route in ("/api/gateway/query", "/api/gateway/cost"):
            response = _post(client, route, token, {"dataset": "tax", "sql": sql, "epsilon": 0.1})
            assert response.status_code == 400, (kind, route, response.text[:300])
            assert response.json()["error"]["code"] == "query_rejected"
    (budget,) = _get(client, "/api/gateway/budget", token).json()["budgets"]
    assert budget["spent"] == 0
