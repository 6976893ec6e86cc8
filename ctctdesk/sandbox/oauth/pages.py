"""The pages a person sees in a browser: sign-in and consent for the authorization-code flow, and the
device-verification page (enter the code, sign in, allow). Each function runs with the store's lock held."""

from __future__ import annotations

import html
import re
import secrets
import string
import uuid
from importlib import resources

from werkzeug.wrappers import Request, Response

from ctctdesk.sandbox.oauth.registry import (
    AUTHORIZATION_CODE_LIFETIME,
    BROWSER_TRANSACTION_LIFETIME,
    DEMO_ACCOUNT_ID,
    DEMO_CLIENT_NAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    SCOPES,
    OAuthError,
    client_registered,
    parse_scopes,
    redirect_uri_registered,
)
from ctctdesk.sandbox.oauth.responses import redirect, with_query
from ctctdesk.sandbox.oauth.store import (
    AuthorizationCode,
    BrowserTransaction,
    GrantStore,
)

_PKCE_S256_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def _load_page_template() -> string.Template:
    text = resources.files("ctctdesk.sandbox").joinpath("templates/oauth_page.html").read_text(encoding="utf-8")
    return string.Template(text)


_PAGE = _load_page_template()


def _page(title: str, body: str, status: int = 200) -> Response:
    text = _PAGE.substitute(title=html.escape(title), body=body)
    return Response(
        text,
        status=status,
        mimetype="text/html",
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


def _esc(value: str | None) -> str:
    return html.escape(value or "", quote=True)


def _scope_list(scopes: list[str]) -> str:
    items = "".join(f"<li>{_esc(SCOPES[name])} <small>({_esc(name)})</small></li>" for name in scopes)
    return f'<ul class="scopes">{items}</ul>'


def _credentials_hint() -> str:
    return (
        f'<p class="hint">Sandbox demo account: <b>{_esc(DEMO_USERNAME)}</b>, '
        f"password <b>{_esc(DEMO_PASSWORD)}</b></p>"
    )


def authorize(store: GrantStore, request: Request) -> Response:
    if request.method == "GET":
        return _authorize_start(store, request)
    transaction_id = request.form.get("transaction", "")
    transaction = store.transactions.get(transaction_id)
    if transaction is None or transaction.kind != "code" or store.clock.now() >= transaction.expires_at:
        return _expired_page()
    step = request.form.get("step")
    if step == "signin":
        if not _credentials_ok(request):
            return _authorize_sign_in_page(
                request, transaction_id, error="Wrong email or password.", status=401
            )
        transaction.account_id = DEMO_ACCOUNT_ID
        return _consent_page(request, transaction_id, transaction)
    if step == "consent" and transaction.account_id is not None:
        del store.transactions[transaction_id]
        if request.form.get("decision") != "allow":
            return redirect(
                with_query(
                    transaction.redirect_uri,
                    {
                        "error": "access_denied",
                        "error_description": "The user denied the request.",
                        "state": transaction.state,
                    },
                )
            )
        code = secrets.token_urlsafe(32)
        store.codes[code] = AuthorizationCode(
            account_id=transaction.account_id,
            client_id=transaction.client_id,
            redirect_uri=transaction.redirect_uri,
            scopes=transaction.scopes,
            code_challenge=transaction.code_challenge,
            grant_id=uuid.uuid4().hex,
            expires_at=store.clock.now() + AUTHORIZATION_CODE_LIFETIME,
        )
        return redirect(
            with_query(transaction.redirect_uri, {"code": code, "state": transaction.state})
        )
    return _authorize_sign_in_page(request, transaction_id)


def _authorize_start(store: GrantStore, request: Request) -> Response:
    args = request.args
    client_id = args.get("client_id")
    if not client_registered(client_id):
        return _error_page(
            "Unknown application",
            "The application that sent you here is not registered with Constant Contact "
            "(unknown client_id).",
        )
    redirect_uri = args.get("redirect_uri")
    if not redirect_uri_registered(client_id, redirect_uri) or len(args.getlist("redirect_uri")) > 1:
        return _error_page(
            "Redirect address not registered",
            "The application asked to come back to an address (redirect_uri) that is not "
            "registered for it, so you are not sent there.",
        )
    state = args.get("state")

    def refuse(error: str, description: str) -> Response:
        return redirect(
            with_query(redirect_uri, {"error": error, "error_description": description, "state": state})
        )

    repeated = [key for key in args if len(args.getlist(key)) > 1]
    if repeated:
        return refuse("invalid_request", f"The parameter {repeated[0]} is repeated.")
    if args.get("response_type") != "code":
        return refuse("unsupported_response_type", "Only response_type=code is supported.")
    if not state:
        # Constant Contact's authorization server (Okta) requires state, the client's CSRF defence.
        return refuse("invalid_request", "The authorization request must include a state parameter.")
    challenge = args.get("code_challenge")
    if not challenge:
        return refuse("invalid_request", "PKCE code_challenge is required for public clients.")
    if args.get("code_challenge_method") != "S256":
        return refuse("invalid_request", "code_challenge_method must be S256 for public clients.")
    if not _PKCE_S256_CHALLENGE.match(challenge):
        return refuse("invalid_request", "The code_challenge is not a base64url SHA-256 digest.")
    try:
        scopes = parse_scopes(args.get("scope"))
    except OAuthError as error:
        return refuse(error.error, error.description)
    transaction_id = secrets.token_urlsafe(24)
    store.transactions[transaction_id] = BrowserTransaction(
        kind="code",
        expires_at=store.clock.now() + BROWSER_TRANSACTION_LIFETIME,
        client_id=client_id,
        scopes=scopes,
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=challenge,
    )
    return _authorize_sign_in_page(request, transaction_id)


def _authorize_sign_in_page(request: Request, transaction_id: str, *, error: str | None = None, status: int = 200
) -> Response:
    error_html = f'<p class="error">{_esc(error)}</p>' if error else ""
    body = f"""
<h1>Sign in</h1>
<p>Sign in to your Constant Contact account to connect <b>{_esc(DEMO_CLIENT_NAME)}</b>.</p>
{error_html}
<form method="post" action="{_esc(request.script_root + request.path)}">
  <input type="hidden" name="transaction" value="{_esc(transaction_id)}">
  <input type="hidden" name="step" value="signin">
  <label for="username">Email or username</label>
  <input type="email" id="username" name="username" autocomplete="username" required autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <div class="buttons"><button type="submit">Sign In</button></div>
</form>
{_credentials_hint()}"""
    return _page("Sign in", body, status)


def _consent_page(request: Request, transaction_id: str, transaction: BrowserTransaction, extra: str = ""
) -> Response:
    body = f"""
<h1>Allow access?</h1>
<p><b>{_esc(DEMO_CLIENT_NAME)}</b> would like to:</p>
{_scope_list(transaction.scopes)}
{extra}
<form method="post" action="{_esc(request.script_root + request.path)}">
  <input type="hidden" name="transaction" value="{_esc(transaction_id)}">
  <input type="hidden" name="step" value="consent">
  <div class="buttons">
    <button type="submit" name="decision" value="allow">Allow Access</button>
    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
  </div>
</form>
<p class="hint">Signed in as {_esc(DEMO_USERNAME)} (account {_esc(DEMO_ACCOUNT_ID)}).</p>"""
    return _page("Allow access", body)


def _error_page(title: str, message: str, status: int = 400) -> Response:
    return _page(title, f'<h1>{_esc(title)}</h1>\n<p class="error">{_esc(message)}</p>', status)


def _expired_page() -> Response:
    return _error_page(
        "Request expired",
        "This sign-in request is no longer valid. Go back to the application and connect again.",
    )


def _credentials_ok(request: Request) -> bool:
    username = (request.form.get("username") or "").strip().lower()
    password = request.form.get("password") or ""
    return secrets.compare_digest(username, DEMO_USERNAME) and secrets.compare_digest(
        password, DEMO_PASSWORD
    )


# --- browser pages: device verification -----------------------------------------------------------


def device_page(store: GrantStore, request: Request) -> Response:
    if request.method == "GET":
        return _device_entry_page(request, request.args.get("user_code", ""))
    step = request.form.get("step")
    if step == "consent":
        return _device_decision(store, request)
    user_code = request.form.get("user_code", "")
    if not _credentials_ok(request):
        return _device_entry_page(request, user_code, error="Wrong email or password.", status=401)
    found = store.find_device_by_user_code(user_code)
    if found is None:
        return _device_entry_page(
            request, user_code, error="That code is not valid. Check the code shown on your device."
        )
    device_code, record = found
    if store.clock.now() >= record.expires_at:
        return _device_entry_page(
            request, user_code, error="That code has expired. Start again on your device."
        )
    if record.status != "pending":
        return _device_entry_page(request, user_code, error="That code has already been used.")
    transaction_id = secrets.token_urlsafe(24)
    transaction = BrowserTransaction(
        kind="device",
        expires_at=store.clock.now() + BROWSER_TRANSACTION_LIFETIME,
        client_id=record.client_id,
        scopes=record.scopes,
        device_code=device_code,
        account_id=DEMO_ACCOUNT_ID,
    )
    store.transactions[transaction_id] = transaction
    extra = f'<p>Code: <span class="code">{_esc(record.user_code)}</span></p>'
    return _consent_page(request, transaction_id, transaction, extra)


def _device_decision(store: GrantStore, request: Request) -> Response:
    transaction_id = request.form.get("transaction", "")
    transaction = store.transactions.pop(transaction_id, None)
    if transaction is None or transaction.kind != "device" or store.clock.now() >= transaction.expires_at:
        return _expired_page()
    record = store.device_authorizations.get(transaction.device_code)
    if record is None or record.status != "pending" or store.clock.now() >= record.expires_at:
        return _error_page(
            "Code no longer valid",
            "That code has expired or was already used. Start again on your device.",
        )
    if request.form.get("decision") == "allow":
        record.status = "approved"
        record.account_id = transaction.account_id
        body = (
            "<h1>Device connected</h1>"
            f"<p><b>{_esc(DEMO_CLIENT_NAME)}</b> can now use your Constant Contact account. "
            "You can close this page and return to the application.</p>"
        )
        return _page("Device connected", body)
    record.status = "denied"
    body = (
        "<h1>Access denied</h1>"
        f"<p><b>{_esc(DEMO_CLIENT_NAME)}</b> was not connected to your account. You can close this page.</p>"
    )
    return _page("Access denied", body)


def _device_entry_page(request: Request, user_code: str, *, error: str | None = None, status: int = 200
) -> Response:
    error_html = f'<p class="error">{_esc(error)}</p>' if error else ""
    body = f"""
<h1>Connect a device</h1>
<p>Enter the code shown by the application and sign in to your Constant Contact account.</p>
{error_html}
<form method="post" action="{_esc(request.script_root + request.path)}">
  <input type="hidden" name="step" value="signin">
  <label for="user_code">Code</label>
  <input type="text" id="user_code" name="user_code" class="code" value="{_esc(user_code)}"
         placeholder="ABCD-EFGH" autocomplete="off" required>
  <label for="username">Email or username</label>
  <input type="email" id="username" name="username" autocomplete="username" required>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <div class="buttons"><button type="submit">Continue</button></div>
</form>
{_credentials_hint()}"""
    return _page("Connect a device", body, status)
