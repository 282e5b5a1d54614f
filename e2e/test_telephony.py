"""The phone system reports calls through its API, as an installer wires it up."""

from __future__ import annotations

from e2e.helpers import telephony_key


def test_the_phone_system_reports_a_ringing_call_to_the_operators_desk(api, linli_server):
    key = telephony_key(linli_server)
    call = {"call_id": "e2e-call-1", "caller": "13903590001", "extension": "8002"}

    ringing = api.post(
        "/api/telephony/calls", headers={"X-Api-Key": key}, data={**call, "event": "ringing"}
    )
    assert ringing.status == 200, ringing.text()
    assert ringing.json()["operator"] == "operator"  # the user at extension 8002

    unknown_key = api.post(
        "/api/telephony/calls", headers={"X-Api-Key": "not-a-key"}, data={**call, "event": "ended"}
    )
    assert unknown_key.status == 401
