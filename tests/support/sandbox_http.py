"""Plain-HTTP helper for tests that talk to the sandbox: an authorised session and activity polling."""

from __future__ import annotations

from typing import Any

import requests


class Api:
    """Plain `requests` calls against one sandbox with one bearer token."""

    def __init__(self, base_url: str, token: str | None):
        self.base = base_url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.base + path, timeout=10, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=30, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.session.put(self.base + path, json=body, timeout=10, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.session.delete(self.base + path, timeout=10, **kw)

    def control(self, path: str, body: Any = None, method: str = "POST") -> requests.Response:
        return requests.request(method, f"{self.base}/_sandbox/{path}", json=body, timeout=10)

    # ------------------------------------------------------------------------------ conveniences
    def default_list_id(self) -> str:
        lists = self.get("/v3/contact_lists").json()["lists"]
        return next(item["list_id"] for item in lists if item["name"] == "General Interest")

    def new_list(self, name: str) -> str:
        response = self.post("/v3/contact_lists", {"name": name})
        assert response.status_code == 201, response.text
        return response.json()["list_id"]

    def finish(self, response: requests.Response) -> dict[str, Any]:
        """Poll a freshly created activity until it is done (activity_delay 0: the first poll)."""
        assert response.status_code in (201, 202), response.text
        href = response.json()["_links"]["self"]["href"]
        for _ in range(50):
            activity = self.get(href).json()
            if activity["state"] in ("completed", "failed"):
                return activity
        raise AssertionError(f"activity never finished: {activity}")

    def import_contacts(self, rows: list[dict[str, Any]], list_ids: list[str]) -> dict[str, Any]:
        return self.finish(self.post("/v3/activities/contacts_json_import",
                                     {"import_data": rows, "list_ids": list_ids}))

    def contact_by_email(self, email: str, include: str = "list_memberships", status: str = "all") -> dict[str, Any]:
        found = self.get("/v3/contacts", params={"email": email, "include": include, "status": status}).json()
        assert len(found["contacts"]) == 1, found
        return found["contacts"][0]

    def all_contacts(self, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        response = self.get("/v3/contacts", params={"limit": 500, **params})
        while True:
            assert response.status_code == 200, response.text
            body = response.json()
            out.extend(body["contacts"])
            nxt = body.get("_links", {}).get("next")
            if not nxt:
                return out
            response = self.get(nxt["href"])
