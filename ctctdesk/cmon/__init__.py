"""Campaign Monitor API v3.3 client at the wire level: typed requests, pacing, retries, one error family.

- `client.open_client(api_key=… | tokens=…, api_base_url=…, clock=…)` → `client.CmonClient`, whose
  methods cover clients, lists, list custom fields, subscribers (add, import ≤ 1,000, get, update,
  unsubscribe, delete), the per-list reads by state since a date, segments and the suppression list;
- `http.CmonTransport` (credentials `http.ApiKey` or `http.BearerToken`, pacing on an injected clock,
  retries on 429 and 5xx where a repeat is harmless, Cancel through `cancelled_by`);
- `oauth` — the sign-in address, code exchange, refresh, and `oauth.TokenKeeper` (saves each renewal);
- `errors` — `CmonError` and its subclasses; none carries the API key or a token.

The documented facts the client follows, and the assumptions where documentation is silent, are in
`ctctdesk/sandbox/cmon/NOTES.md` beside the emulator the tests run it against.
"""
