"""What every endpoint shares: health, the OpenAPI document and Swagger UI, 400 for malformed
bodies (never a 500), and one request = one transaction (a failed write leaves nothing)."""

from __future__ import annotations

import pytest

from groupcover import audit, create_app
from groupcover.errors import Conflict
from groupcover.members import service as members_service
from tests import factories as f
from tests.conftest import TEST_KEY


def test_healthz_without_auth(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app(
        {
            "ENV": "testing",
            "ENCRYPTION_KEY": TEST_KEY,
            "LOG_LEVEL": "ERROR",
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2",
        }
    )
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.get_json() == {"status": "degraded", "database": "error"}


BACKBONE_PATHS = {
    "/api/v1/program": {"get", "patch"},
    "/api/v1/members": {"get", "post"},
    "/api/v1/members/{member_id}": {"get", "patch"},
    "/api/v1/members/{member_id}/vendor-credential": {"put"},
    "/api/v1/members/{member_id}/terms": {"get", "post"},
    "/api/v1/members/{member_id}/terms/{term_id}/cancel": {"post"},
    "/api/v1/members/{member_id}/suppliers": {"get", "post"},
    "/api/v1/members/{member_id}/suppliers/{registration_id}": {"get", "delete"},
    "/api/v1/coverage": {"get"},
    "/api/v1/members/{member_id}/coverage": {"get"},
    "/api/v1/coverage-terms": {"get"},
    "/api/v1/tokens": {"get", "post"},
    "/api/v1/tokens/{token_id}": {"delete"},
    "/api/v1/audit": {"get"},
}


def test_openapi_document(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    assert spec["openapi"].startswith("3.")
    for path, methods in BACKBONE_PATHS.items():
        assert path in spec["paths"], path
        assert methods <= spec["paths"][path].keys(), path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    patch = spec["paths"]["/api/v1/program"]["patch"]["requestBody"]["content"]
    ref = patch["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "required" not in spec["components"]["schemas"][ref]  # PATCH is partial
    credential = spec["components"]["schemas"]["VendorCredential"]["properties"]["token"]
    assert credential.get("writeOnly") is True


def test_swagger_ui(client):
    r = client.get("/api/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "swagger-ui" in r.get_data(as_text=True)
    assert "openapi.json" in r.get_data(as_text=True)


WRITES = [
    # method, path (M = a member's id, T = its term's id), a valid body
    ("post", "/api/v1/members", {"name": "x", "contact_email": "a@b.jp"}),
    ("patch", "/api/v1/members/M", {"name": "x"}),
    ("put", "/api/v1/members/M/vendor-credential", {"token": "t"}),
    ("post", "/api/v1/members/M/terms", {"start_date": "2030-01-01", "end_date": "2030-12-31"}),
    ("post", "/api/v1/members/M/terms/T/cancel", {"last_day": "2026-09-30"}),
    (
        "post",
        "/api/v1/members/M/suppliers",
        {"domain": "a.example.jp", "name": "a", "registered_on": "2026-04-01"},
    ),
    ("patch", "/api/v1/program", {"name": "x"}),
    ("post", "/api/v1/tokens", {"name": "x", "role": "admin"}),
]

each_write = pytest.mark.parametrize(
    ("method", "path", "valid"), WRITES, ids=[f"{w[0]} {w[1]}" for w in WRITES]
)

MALFORMED = {
    "not_json": ('{"name": ', "application/json"),
    "array": ('[{"name": "x"}]', "application/json"),
    "number": ("42", "application/json"),
    "string": ('"x"', "application/json"),
    "form": ("name=x", "application/x-www-form-urlencoded"),
    "empty": ("", "application/json"),
    "bad_utf8": (b'{"name": "\xff"}', "application/json"),
}


def _url(path, m):
    return path.replace("M", str(m["id"])).replace("T", str(m["term"]["id"]))


@pytest.mark.parametrize("kind", MALFORMED)
@each_write
def test_malformed_body_is_400(client, admin, method, path, valid, kind):
    m = f.insured_member(client, admin)
    data, content_type = MALFORMED[kind]
    before = client.get("/api/v1/audit?page_size=500", headers=admin).get_json()
    r = getattr(client, method)(_url(path, m), data=data, content_type=content_type, headers=admin)
    assert r.status_code == 400, (r.status_code, r.get_json())
    body = r.get_json()
    assert body["code"] == 400 and body["rule"] == "schema" and body["errors"]
    assert client.get("/api/v1/audit?page_size=500", headers=admin).get_json() == before


@each_write
def test_unknown_field_is_400_naming_it(client, admin, method, path, valid):
    m = f.insured_member(client, admin)
    r = getattr(client, method)(_url(path, m), json={**valid, "surprise": 1}, headers=admin)
    assert r.status_code == 400
    assert r.get_json()["field"] == "surprise" and "surprise" in r.get_json()["errors"]


@each_write
def test_wrong_types_are_400_naming_the_field(client, admin, method, path, valid):
    m = f.insured_member(client, admin)
    field = next(iter(valid))
    for wrong in ({"a": 1}, [1], True, 12345):
        r = getattr(client, method)(_url(path, m), json={**valid, field: wrong}, headers=admin)
        assert r.status_code == 400, (wrong, r.get_json())
        assert r.get_json()["field"] == field


@each_write
def test_the_valid_body_of_each_write_works(client, admin, method, path, valid):
    """The malformed-body tests above only mean something if the valid body passes."""
    m = f.insured_member(client, admin)
    r = getattr(client, method)(_url(path, m), json=valid, headers=admin)
    assert r.status_code in {200, 201, 204}, r.get_json()


def test_unknown_route_and_method_are_json(client, admin):
    r = client.get("/api/v1/nowhere", headers=admin)
    assert r.status_code == 404 and r.get_json()["code"] == 404
    r = client.delete("/api/v1/program", headers=admin)
    assert r.status_code == 405 and r.get_json()["code"] == 405


# --- one request, one transaction ------------------------------------------------------------


def _counts(client, admin):
    members = client.get("/api/v1/members?page_size=500", headers=admin).get_json()
    entries = client.get("/api/v1/audit?page_size=500", headers=admin).get_json()
    return len(members), len(entries)


def test_domain_error_after_a_flush_rolls_the_write_back(client, admin, monkeypatch):
    """The member row is flushed before the audit entry; an error there undoes both."""
    baseline = _counts(client, admin)

    def refuse(*args, **kwargs):
        raise Conflict("refused for the test", rule="test")

    monkeypatch.setattr(audit, "record", refuse)
    r = client.post("/api/v1/members", json={"name": "x", "contact_email": "a@b.jp"}, headers=admin)
    assert r.status_code == 409
    monkeypatch.undo()
    assert _counts(client, admin) == baseline


def test_unexpected_exception_rolls_the_write_back(app, client, admin, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    baseline = _counts(client, admin)

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(audit, "record", crash)
    r = client.post("/api/v1/members", json={"name": "x", "contact_email": "a@b.jp"}, headers=admin)
    assert r.status_code == 500
    monkeypatch.undo()
    assert _counts(client, admin) == baseline


def test_integrity_error_is_409_and_leaves_nothing(client, admin, monkeypatch):
    """Should the service check miss a duplicate (a race), the unique index still says 409."""
    f.member(client, admin, vendor_account_id="acct-1")
    baseline = _counts(client, admin)
    monkeypatch.setattr(members_service, "_validate", lambda *a, **k: None)
    r = client.post(
        "/api/v1/members",
        json={"name": "x", "contact_email": "a@b.jp", "vendor_account_id": "acct-1"},
        headers=admin,
    )
    assert r.status_code == 409 and r.get_json()["rule"] == "integrity"
    monkeypatch.undo()
    assert _counts(client, admin) == baseline


def test_a_session_left_dirty_by_a_refused_request_is_not_committed(client, admin):
    """cancel_term locks and reads, then refuses: nothing of it survives into the next one."""
    m = f.insured_member(client, admin)
    url = f"/api/v1/members/{m['id']}/terms/{m['term']['id']}/cancel"
    assert client.post(url, json={"last_day": "2031-01-01"}, headers=admin).status_code == 422
    terms = client.get(f"/api/v1/members/{m['id']}/terms", headers=admin).get_json()
    assert terms[0]["last_day"] is None and terms[0]["cancelled"] is False
