"""The token, device-authorization and revoke endpoints: the grants a client exchanges for tokens.

Codes are single use, PKCE S256 is checked, refresh tokens rotate and a used one is refused, and device
polling answers as RFC 8628 describes. Each function runs with the store's lock held by `dispatch`."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from ctctdesk.sandbox.oauth.registry import (
    DEMO_ACCOUNT_ID,
    DEVICE_CODE_LIFETIME,
    DEVICE_GRANT_TYPE,
    DEVICE_POLL_INTERVAL,
    DEVICE_VERIFICATION_PATH,
    REFRESH_TOKEN_LIFETIME,
    SLOW_DOWN_STEP,
    OAuthError,
    client_registered,
    parse_scopes,
)
from ctctdesk.sandbox.oauth.responses import error_json, json_response, with_query
from ctctdesk.sandbox.oauth.store import (
    DeviceAuthorization,
    GrantStore,
)

_PKCE_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _public_client(request: Request, params: MultiDict[str, str]) -> str:
    """The client id of a public client, which names itself in a parameter and never authenticates."""
    if request.headers.get("Authorization"):
        raise OAuthError(
            "invalid_client",
            "Client authentication is not allowed for a public client; send client_id as a parameter.",
            401,
        )
    client_id = params.get("client_id")
    if not client_id:
        raise OAuthError("invalid_client", "client_id is required.", 401)
    if not client_registered(client_id):
        raise OAuthError("invalid_client", "The client is not registered.", 401)
    return client_id


def _endpoint_params(request: Request) -> MultiDict[str, str]:
    """The parameters of a token, device or revoke request: form body and query string together.

        Constant Contact's own examples put them in the query string of the POST; RFC 6749 puts them in a
        form body. Both are accepted; any other kind of body, or a parameter given twice, is refused.
        """
    if request.mimetype and request.mimetype != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "The body must be application/x-www-form-urlencoded.")
    params = request.values
    for key in params:
        if len(params.getlist(key)) > 1:
            raise OAuthError("invalid_request", f"The parameter {key} is repeated.")
    return params


def _param(params: MultiDict[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise OAuthError("invalid_request", f"The parameter {name} is required.")
    return value


def token(store: GrantStore, request: Request) -> Response:
    try:
        params = _endpoint_params(request)
        client_id = _public_client(request, params)
        grant_type = _param(params, "grant_type")
        if grant_type == "authorization_code":
            body = _exchange_code(store, params, client_id)
        elif grant_type == "refresh_token":
            body = _refresh(store, params, client_id)
        elif grant_type == DEVICE_GRANT_TYPE:
            body = _poll_device(store, params, client_id)
        else:
            raise OAuthError("unsupported_grant_type", f"The grant type {grant_type} is not supported.")
    except OAuthError as error:
        return error_json(error)
    return json_response(body)


def _exchange_code(store: GrantStore, params: MultiDict[str, str], client_id: str) -> dict[str, Any]:
    code = _param(params, "code")
    redirect_uri = _param(params, "redirect_uri")
    verifier = _param(params, "code_verifier")
    if not _PKCE_VERIFIER.match(verifier):
        raise OAuthError(
            "invalid_request", "The code_verifier is malformed (43-128 unreserved characters)."
        )
    record = store.codes.get(code)
    if record is None or store.clock.now() >= record.expires_at:
        raise OAuthError("invalid_grant", "The authorization code is invalid or has expired.")
    if record.used:
        # A replayed code may mean it was stolen: the tokens it bought are withdrawn (RFC 6749 4.1.2).
        store.revoke_grant(record.grant_id)
        raise OAuthError("invalid_grant", "The authorization code has already been used.")
    record.used = True
    if record.client_id != client_id:
        raise OAuthError("invalid_grant", "The authorization code was issued to another client.")
    if record.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant", "The redirect_uri does not match the authorization request.")
    if _s256(verifier) != record.code_challenge:
        raise OAuthError("invalid_grant", "PKCE verification failed: the code_verifier does not match.")
    return store.issue_tokens(
        record.account_id,
        client_id,
        record.scopes,
        grant_id=record.grant_id,
        with_refresh="offline_access" in record.scopes,
    )


def _refresh(store: GrantStore, params: MultiDict[str, str], client_id: str) -> dict[str, Any]:
    token = _param(params, "refresh_token")
    record = store.refresh_tokens.get(token)
    expired = (
        record is not None and record.expires_at is not None and store.clock.now() >= record.expires_at
    )
    if record is None or record.status != "active" or expired:
        raise OAuthError(
            "invalid_grant", "The refresh token is invalid, expired, revoked or has already been used."
        )
    if record.client_id != client_id:
        raise OAuthError("invalid_grant", "The refresh token was issued to another client.")
    scopes = record.scopes
    if params.get("scope"):
        scopes = parse_scopes(params["scope"])
        if not set(scopes) <= set(record.scopes):
            raise OAuthError("invalid_scope", "The requested scope exceeds the one originally granted.")
    if not store.rotate_refresh_tokens:
        # Long-lived: the same refresh token again, its 180 days counted from this use.
        record.expires_at = store.clock.now() + REFRESH_TOKEN_LIFETIME
        body = store.issue_tokens(record.account_id, client_id, scopes, grant_id=record.grant_id,
                                  with_refresh=False)
        body["refresh_token"] = token
        return body
    record.status = "rotated"
    return store.issue_tokens(
        record.account_id,
        client_id,
        scopes,
        grant_id=record.grant_id,
        with_refresh=True,
        refresh_scopes=record.scopes,
    )


def _poll_device(store: GrantStore, params: MultiDict[str, str], client_id: str) -> dict[str, Any]:
    device_code = _param(params, "device_code")
    record = store.device_authorizations.get(device_code)
    if record is None or record.status == "used":
        raise OAuthError("invalid_grant", "The device code is invalid or has already been used.")
    if record.client_id != client_id:
        raise OAuthError("invalid_grant", "The device code was issued to another client.")
    now = store.clock.now()
    if now >= record.expires_at:
        raise OAuthError("expired_token", "The device code has expired; start the sign-in again.")
    if record.status == "denied":
        raise OAuthError("access_denied", "The user denied the request.")
    if record.status == "approved":
        record.status = "used"
        return store.issue_tokens(
            record.account_id or DEMO_ACCOUNT_ID,
            client_id,
            record.scopes,
            grant_id=record.grant_id,
            with_refresh="offline_access" in record.scopes,
        )
    too_fast = record.last_poll is not None and now - record.last_poll < record.interval
    record.last_poll = now
    if too_fast:
        record.interval += SLOW_DOWN_STEP
        raise OAuthError(
            "slow_down", f"Polling too fast; wait at least {record.interval} seconds between polls."
        )
    raise OAuthError("authorization_pending", "The user has not yet approved the request.")


# --- device authorization and revocation ----------------------------------------------------------


def device_authorize(store: GrantStore, request: Request) -> Response:
    try:
        params = _endpoint_params(request)
        client_id = _public_client(request, params)
        scopes = parse_scopes(params.get("scope"))
    except OAuthError as error:
        return error_json(error)
    device_code = secrets.token_urlsafe(32)
    user_code = store.new_user_code()
    store.device_authorizations[device_code] = DeviceAuthorization(
        client_id=client_id,
        scopes=scopes,
        user_code=user_code,
        grant_id=uuid.uuid4().hex,
        expires_at=store.clock.now() + DEVICE_CODE_LIFETIME,
        interval=DEVICE_POLL_INTERVAL,
    )
    verification_uri = request.host_url.rstrip("/") + DEVICE_VERIFICATION_PATH
    return json_response(
        {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": with_query(verification_uri, {"user_code": user_code}),
            "expires_in": DEVICE_CODE_LIFETIME,
            "interval": DEVICE_POLL_INTERVAL,
        }
    )


def revoke(store: GrantStore, request: Request) -> Response:
    """RFC 7009: 200 whether or not the token was known, so the answer reveals nothing."""
    try:
        params = _endpoint_params(request)
        client_id = _public_client(request, params)
        token = _param(params, "token")
    except OAuthError as error:
        return error_json(error)
    # The token_type_hint is only an optimisation hint (RFC 7009 2.1); both tables are searched.
    access = store.access_tokens.get(token)
    refresh = store.refresh_tokens.get(token)
    if access is not None and access.client_id == client_id:
        access.revoked = True
    if refresh is not None and refresh.client_id == client_id:
        store.revoke_grant(refresh.grant_id)
    return Response(status=200, headers={"Cache-Control": "no-store"})
