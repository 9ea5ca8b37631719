"""Hostile or absurd input is just bad input (API.md § Conventions): out-of-range numbers,
encodings, sizes, and every error from any layer as JSON; plus the security headers."""

from __future__ import annotations

import json

import pytest

from groupcover.fields import MAX_YEN
from tests import factories as f

ERROR_KEYS = {"code", "status", "message", "field", "rule", "errors"}


def assert_error(response, status: int, rule: str | None = None, field: str | None = None):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body.keys() >= ERROR_KEYS and body["code"] == status
    if rule is not None:
        assert body["rule"] == rule, body
    if field is not None:
        assert body["field"] == field, body
    return body


# ---- ids outside 1…2,147,483,647 are unknown ids ------------------------------------------------


@pytest.mark.parametrize(
    "ident", ["2147483648", "9223372036854775808", "0", "99999999999999999999"]
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/incidents/{}",
        "/api/v1/members/{}",
        "/api/v1/members/{}/terms",
        "/api/v1/notices/{}",
        "/api/v1/sync-runs/{}",
        "/api/v1/members/1/suppliers/{}",
    ],
)
def test_out_of_range_path_ids_are_unknown(client, admin, path, ident):
    assert_error(client.get(path.format(ident), headers=admin), 404, "not_found")


def test_out_of_range_ids_from_a_member_token(client, admin, member_headers):
    m = f.member(client, admin)
    r = client.get("/api/v1/incidents/2147483648", headers=member_headers(m["id"]))
    assert_error(r, 404)


def test_largest_id_is_just_unknown(client, admin):
    assert_error(client.get("/api/v1/members/2147483647", headers=admin), 404, "not_found")


@pytest.mark.parametrize("ident", [2**31, 2**63, 0, -1])
def test_out_of_range_body_ids_are_unknown(client, admin, ident):
    body = {
        "member_id": ident,
        "occurred_on": "2026-05-01",
        "discovered_on": "2026-05-02",
        "place": "Tokyo",
        "circumstances": "x",
        "cause": "leak",
        "victims": [],
    }
    assert_error(client.post("/api/v1/incidents", json=body, headers=admin), 404, "not_found")
    token = {"name": "t", "role": "member", "member_id": ident}
    assert_error(client.post("/api/v1/tokens", json=token, headers=admin), 404, "not_found")


@pytest.mark.parametrize("query", ["member_id=2147483648", "member_id=-5", "member_id=0"])
def test_out_of_range_filter_ids_match_nothing(client, admin, query):
    for path in ("/api/v1/incidents", "/api/v1/notices"):
        r = client.get(f"{path}?{query}", headers=admin)
        assert r.status_code == 200 and r.get_json() == []
    r = client.get("/api/v1/audit?entity_id=9223372036854775808", headers=admin)
    assert r.status_code == 200 and r.get_json() == []


# ---- paging --------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [3, 4611686018427387904, 2**70])
def test_page_past_the_end_is_an_empty_page_that_keeps_its_number(client, admin, page):
    f.member(client, admin)
    r = client.get(f"/api/v1/members?page={page}&page_size=500", headers=admin)
    assert r.status_code == 200 and r.get_json() == []
    paging = json.loads(r.headers["X-Pagination"])
    assert paging["page"] == page and paging["total"] == 1


def test_empty_list_keeps_page_in_x_pagination(client, admin):
    r = client.get("/api/v1/incidents", headers=admin)
    assert r.status_code == 200 and r.get_json() == []
    assert json.loads(r.headers["X-Pagination"]) == {
        "total": 0,
        "total_pages": 0,
        "page": 1,
        "page_size": 50,
    }


# ---- money ---------------------------------------------------------------------------------------


def _change(**values):
    body = {
        "effective_date": "2027-01-01",
        "per_incident_limit": 3_000_000,
        "aggregate_limit": 10_000_000,
        "summary_ja": "変更",
        "summary_en": "change",
        "override_reason": "test",
    }
    body.update(values)
    return body


@pytest.mark.parametrize("path", ["/api/v1/coverage-terms", "/api/v1/coverage-terms/preview"])
@pytest.mark.parametrize("field", ["per_incident_limit", "aggregate_limit"])
@pytest.mark.parametrize("amount", [MAX_YEN + 1, 2**63, 10**30])
def test_limits_above_the_ceiling_are_refused(client, admin, path, field, amount):
    r = client.post(path, json=_change(**{field: amount}), headers=admin)
    body = assert_error(r, 422, "yen_ceiling", field)
    assert body["maximum"] == MAX_YEN


def test_limit_at_the_ceiling_is_accepted(client, admin):
    r = client.post(
        "/api/v1/coverage-terms/preview", json=_change(aggregate_limit=MAX_YEN), headers=admin
    )
    assert r.status_code == 200, r.get_json()


def _incident(client, admin):
    m = f.insured_member(client, admin)
    body = {
        "member_id": m["id"],
        "occurred_on": "2026-05-01",
        "discovered_on": "2026-05-02",
        "place": "Tokyo",
        "circumstances": "x",
        "cause": "leak",
        "victims": [],
    }
    r = client.post("/api/v1/incidents", json=body, headers=admin)
    assert r.status_code == 201, r.get_json()
    return r


def test_cost_and_payment_above_the_ceiling_are_refused(client, admin, freeze):
    freeze("2026-06-01T09:00:00+09:00")
    incident = _incident(client, admin).get_json()
    cost = {
        "category": "incident_response",
        "item": "ア",
        "amount_yen": 10**15,
        "incurred_on": "2026-05-03",
        "description": "x",
    }
    path = f"/api/v1/incidents/{incident['id']}"
    assert_error(client.post(f"{path}/costs", json=cost, headers=admin), 422, "yen_ceiling")
    payment = {"amount_yen": MAX_YEN + 1, "paid_on": "2026-05-20"}
    assert_error(client.post(f"{path}/payments", json=payment, headers=admin), 422, "yen_ceiling")


# ---- encodings -----------------------------------------------------------------------------------


def _raw(client, admin, data: bytes, path="/api/v1/members", method="post"):
    return getattr(client, method)(
        path, data=data, headers={**admin, "Content-Type": "application/json"}
    )


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_json_nested_too_deep(client, admin, depth):
    data = b'{"name": ' + b"[" * depth + b"]" * depth + b"}"
    assert_error(_raw(client, admin, data), 400, "json_depth")


def test_json_nested_32_deep_reaches_the_schema(client, admin):
    data = b'{"name": ' + b"[" * 31 + b"]" * 31 + b', "contact_email": "a@b.jp"}'
    assert_error(_raw(client, admin, data), 400, "schema", "name")


@pytest.mark.parametrize(
    ("data", "rule", "field"),
    [
        (b'{"name": "a\\ud800", "contact_email": "a@b.jp"}', "lone_surrogate", "name"),
        (b'{"name": "a\\udfff b", "contact_email": "a@b.jp"}', "lone_surrogate", "name"),
        (b'{"name": "a\\u0000", "contact_email": "a@b.jp"}', "nul_byte", "name"),
        (b'{"name": "x", "contact_email": "a@b.jp", "a\\u0000": 1}', "nul_byte", "a\x00"),
        (b'{"name": "x", "contact_email": ["a\\u0000"]}', "nul_byte", "contact_email"),
    ],
)
def test_nul_bytes_and_lone_surrogates_are_malformed(client, admin, data, rule, field):
    assert_error(_raw(client, admin, data), 400, rule, field)
    assert client.get("/api/v1/members", headers=admin).get_json() == []


def test_a_surrogate_pair_is_text(client, admin):
    r = _raw(client, admin, b'{"name": "\\ud83d\\ude00 K.K.", "contact_email": "a@b.jp"}')
    assert r.status_code == 201 and r.get_json()["name"] == "\U0001f600 K.K."


@pytest.mark.parametrize("query", ["domain=a%00b.jp", "domain=x.jp&on=2026-01-01%00"])
def test_nul_bytes_in_the_query_are_malformed(client, admin, query):
    assert_error(client.get(f"/api/v1/coverage?{query}", headers=admin), 400, "nul_byte")


@pytest.mark.parametrize("value", ["14:30:00+09:00", "14:30-22:13", "14:30Z"])
def test_occurred_at_with_an_offset_is_refused(client, admin, value):
    m = f.insured_member(client, admin)
    body = {
        "member_id": m["id"],
        "occurred_on": "2026-05-01",
        "occurred_at": value,
        "discovered_on": "2026-05-02",
        "place": "Tokyo",
        "circumstances": "x",
        "cause": "leak",
        "victims": [],
    }
    assert_error(
        client.post("/api/v1/incidents", json=body, headers=admin), 400, "schema", "occurred_at"
    )


# ---- sizes ---------------------------------------------------------------------------------------


def test_body_over_max_request_bytes_is_413_before_it_is_read(app, client, admin):
    app.config["MAX_REQUEST_BYTES"] = 2048
    data = json.dumps({"name": "x" * 4000, "contact_email": "a@b.jp"}).encode()
    assert_error(_raw(client, admin, data), 413, "body_too_large")
    small = json.dumps({"name": "x" * 100, "contact_email": "a@b.jp"}).encode()
    assert _raw(client, admin, small).status_code == 201


def test_default_limit_is_one_mebibyte(client, admin):
    data = json.dumps({"name": "x" * (1024 * 1024), "contact_email": "a@b.jp"}).encode()
    assert_error(_raw(client, admin, data), 413)


def test_large_body_endpoints_take_max_import_bytes(db_url):
    """The helper import and victims endpoints use: a per-view limit by setting name."""
    from flask.views import MethodView

    from groupcover import create_app
    from groupcover.guard import large_body
    from tests.conftest import TEST_KEY

    class Upload(MethodView):
        @large_body("MAX_IMPORT_BYTES")
        def post(self):
            from flask import request

            return {"bytes": len(request.get_data())}

    test_app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": db_url,
            "ENCRYPTION_KEY": TEST_KEY,
            "LOG_LEVEL": "WARNING",
            "MAX_REQUEST_BYTES": 1024,
            "MAX_IMPORT_BYTES": 4096,
        }
    )
    test_app.add_url_rule("/_test/upload", view_func=Upload.as_view("_test_upload"))
    client = test_app.test_client()
    assert client.post("/_test/upload", data=b"x" * 3000).get_json() == {"bytes": 3000}
    assert_error(client.post("/_test/upload", data=b"x" * 5000), 413)


# ---- every error is JSON -----------------------------------------------------------------------


def test_routing_errors_are_json(client, admin):
    assert_error(client.get("/api/v1/no-such-thing", headers=admin), 404, "not_found")
    assert_error(client.get("/no-such-page"), 404)
    assert_error(client.delete("/api/v1/program", headers=admin), 405, "method_not_allowed")


def test_not_json_is_a_json_400(client, admin):
    assert_error(_raw(client, admin, b"{not json"), 400)


# ---- headers -------------------------------------------------------------------------------------


def test_security_headers(app, client, admin):
    r = client.get("/api/v1/program", headers=admin)
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in r.headers
    app.config["HSTS_SECONDS"] = 31536000
    for response in (client.get("/api/v1/program", headers=admin), client.get("/nowhere")):
        assert (
            response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_201_names_the_new_object(client, admin):
    r = client.post("/api/v1/members", json={"name": "x", "contact_email": "a@b.jp"}, headers=admin)
    assert r.status_code == 201
    assert r.headers["Location"] == f"/api/v1/members/{r.get_json()['id']}"
    assert client.get(r.headers["Location"], headers=admin).status_code == 200


def test_204_has_no_content_type(client, admin):
    m = f.member(client, admin)
    r = client.put(
        f"/api/v1/members/{m['id']}/vendor-credential", json={"token": "abc"}, headers=admin
    )
    assert r.status_code == 204 and r.data == b""
    assert "Content-Type" not in r.headers


# ---- rules ---------------------------------------------------------------------------------------


def test_discovered_before_occurred_is_refused(client, admin):
    m = f.insured_member(client, admin)
    body = {
        "member_id": m["id"],
        "occurred_on": "2026-05-02",
        "discovered_on": "2026-05-01",
        "place": "Tokyo",
        "circumstances": "x",
        "cause": "leak",
        "victims": [],
    }
    r = client.post("/api/v1/incidents", json=body, headers=admin)
    assert_error(r, 422, "seed004.5.discovered_after_occurred", "discovered_on")
    body["discovered_on"] = body["occurred_on"]  # the same day is fine
    assert client.post("/api/v1/incidents", json=body, headers=admin).status_code == 201


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_full_width_corporate_number_is_normalised(client, admin):
    number = "7000012050002"  # 国税庁
    m = f.member(client, admin, corporate_number="　" + number.translate(FULL_WIDTH) + " ")
    assert m["corporate_number"] == number
    wrong = "7000012050003".translate(FULL_WIDTH)
    r = client.patch(f"/api/v1/members/{m['id']}", json={"corporate_number": wrong}, headers=admin)
    assert_error(r, 422, "corporate_number_check_digit")


# ---- notices: wrong answers ----------------------------------------------------------------------


@pytest.fixture
def two_notices(client, admin, freeze):
    """Two members with a running term, each with one pending notice (NULL sent_on)."""
    freeze("2026-04-01T09:00:00+09:00")
    a = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    b = f.insured_member(client, admin, "2026-04-01", "2027-03-31")
    freeze("2027-01-15T10:00:00+09:00")
    change = _change(effective_date="2027-03-16", override_reason=None)
    r = client.post("/api/v1/coverage-terms", json=change, headers=admin)
    assert r.status_code == 201, r.get_json()
    return a, b


def test_late_false_counts_pending_notices(client, admin, two_notices):
    on_time = client.get("/api/v1/notices?late=false", headers=admin)
    assert len(on_time.get_json()) == 2
    assert json.loads(on_time.headers["X-Pagination"])["total"] == 2
    assert client.get("/api/v1/notices?late=true", headers=admin).get_json() == []


def test_member_filter_naming_another_member_is_empty(client, admin, member_headers, two_notices):
    a, b = two_notices
    headers = member_headers(a["id"])
    assert [n["member_id"] for n in client.get("/api/v1/notices", headers=headers).get_json()] == [
        a["id"]
    ]
    for path in ("/api/v1/notices", "/api/v1/incidents"):
        r = client.get(f"{path}?member_id={b['id']}", headers=headers)
        assert r.status_code == 200 and r.get_json() == [], path
    own = client.get(f"/api/v1/notices?member_id={a['id']}", headers=headers).get_json()
    assert len(own) == 1


def test_members_do_not_see_operator_fields(client, admin, member_headers, two_notices):
    a, _b = two_notices
    headers = member_headers(a["id"])
    listed = client.get("/api/v1/notices", headers=headers).get_json()[0]
    detail = client.get(f"/api/v1/notices/{listed['id']}", headers=headers).get_json()
    for body in (listed, detail):
        assert not {"attempts", "last_error", "next_attempt_at"} & body.keys()
    admin_view = client.get(f"/api/v1/notices/{listed['id']}", headers=admin).get_json()
    assert {"attempts", "last_error"} <= admin_view.keys()


# ---- the OpenAPI document ------------------------------------------------------------------------


def test_openapi_lists_the_shared_statuses(client):
    spec = client.get("/api/openapi.json").get_json()
    error = spec["components"]["schemas"]["Error"]
    assert {"code", "status", "message", "field", "rule", "errors"} <= error["properties"].keys()
    assert error["additionalProperties"] is True
    assert {"per_incident_remaining", "aggregate_remaining", "earliest_allowed"} <= error[
        "properties"
    ].keys()
    assert spec["components"]["headers"]["PAGINATION"]["schema"] == {"type": "string"}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            assert "default" not in op["responses"], (path, method)
            assert {"400", "401", "403", "413", "429"} <= op["responses"].keys(), (path, method)
            if "{" in path:
                assert "404" in op["responses"], (path, method)
            if method != "get":
                assert {"409", "422"} <= op["responses"].keys(), (path, method)
    member = spec["paths"]["/api/v1/members/{member_id}"]["parameters"][0]
    assert member["schema"] == {"type": "integer", "minimum": 1, "maximum": 2147483647}
    assert "Location" in spec["paths"]["/api/v1/members"]["post"]["responses"]["201"]["headers"]


def test_an_unexpected_error_is_a_json_500(db_url):
    from groupcover import create_app
    from tests.conftest import TEST_KEY

    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": db_url,
            "ENCRYPTION_KEY": TEST_KEY,
            "LOG_LEVEL": "CRITICAL",
        }
    )

    def boom():
        raise RuntimeError("boom")

    app.add_url_rule("/_test/boom", view_func=boom)
    r = app.test_client().get("/_test/boom")
    body = assert_error(r, 500)
    assert "boom" not in r.get_data(as_text=True)  # no internals in the answer
    assert body["rule"] == "http" and r.headers["X-Content-Type-Options"] == "nosniff"


def test_gunicorn_limits_are_valid_settings():
    import runpy
    from pathlib import Path

    from gunicorn.config import Config

    path = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    settings = {k: v for k, v in runpy.run_path(str(path)).items() if not k.startswith("_")}
    config = Config()
    for name, value in settings.items():
        config.set(name, value)  # gunicorn validates each value
    assert config.limit_request_line == 8190
    assert config.limit_request_fields == 50 and config.limit_request_field_size == 8190
