"""The service as a mountable router (crampkg.http.app.router) next to the application factory."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from crampkg.http.app import EXCEPTION_HANDLERS, ServerSettings, router


def test_router_mounts_in_another_application(kb) -> None:
    mounted = router(kb, ServerSettings(workers=1), dataset=b"")
    host = Starlette(routes=[Mount("/crampkg", app=mounted)], exception_handlers=EXCEPTION_HANDLERS,
                     lifespan=lambda app: mounted.lifespan_context(app))
    with TestClient(host) as client:
        assert client.get("/crampkg/openapi.json").json()["openapi"] == "3.1.0"
        health = client.get("/crampkg/health").json()
        assert health["kb_version"] == kb.version_iri and health["workers"] == 1
        answer = client.post("/crampkg/explain", json={"present": ["calf cramp at night"]})
        assert answer.status_code == 200 and answer.json()["hypotheses"]
        assert client.get("/crampkg/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
        assert client.put("/crampkg/store").status_code == 405
