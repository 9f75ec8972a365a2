from __future__ import annotations


def test_me_describes_the_caller_as_the_contract_says(api, rm01a):
    r = api(rm01a).get("/api/v1/me/")
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "rm01a"
    assert body["display_name"] == "张晓明"
    assert body["role"] == "rm"
    assert body["branch"] == {"code": "B01", "name": "城东支行"}


def test_me_works_for_every_role(api, lead01, hq_admin, compliance):
    roles = {u.username: api(u).get("/api/v1/me/").json()["role"] for u in (lead01, hq_admin, compliance)}
    assert roles == {"lead01": "branch_lead", "hq_admin": "head_office", "compliance": "compliance"}


def test_me_with_a_browser_session(client, rm01a):
    client.force_login(rm01a)
    assert client.get("/api/v1/me/").json()["username"] == "rm01a"


def test_me_refuses_writes(api, rm01a):
    r = api(rm01a).post("/api/v1/me/", {"role": "head_office"}, format="json")
    assert r.status_code == 405
    assert "detail" in r.json()
