"""The EHR's JWT (CDS Hooks 2.0, "Trusting CDS Clients"), checked with PyJWT.

Configuration (read once at start-up, see `load_trust`):

* ``CDS_TRUSTED_ISSUERS``: JSON text, or the path of a JSON file, mapping each allowed issuer
  (``iss``) to its keys::

      {"https://ehr.example.org": {"jwks": {"keys": [...]}},          # inline JWK set
       "https://ehr2.example.org": {"jwks_url": "https://ehr2.example.org/jwks.json"}}

  Never list the public CDS Hooks sandbox's issuer in production: its private key is published.

  A ``jku`` header is honoured only when it equals the issuer's configured ``jwks_url``.
* ``CDS_ALLOW_UNSIGNED=1``: development and the public sandbox only; requests without a token
  are then accepted (a token that is present is still verified).
* ``CDS_REPLAY_STORE``: where seen ``jti`` values are kept (`service.replay`): in this process
  by default, or ``redis://...`` shared by every replica and worker.

Checked, each rule from CDS Hooks 2.0.1 ("Trusting CDS Clients") unless said otherwise: the
header's ``kid`` (REQUIRED) and ``typ`` (REQUIRED, fixed value ``JWT``); signature (ES384,
RS384 as the specification recommends, plus ES256/RS256), ``iss`` on the allow-list, ``aud``
exactly the URL of the endpoint invoked (a string, or an array holding only that URL), ``exp``
and ``iat`` present and valid (60 s leeway), a lifetime ``exp - iat`` of at most
`MAX_LIFETIME_S`, ``jti`` (REQUIRED: "used to protect against replay attacks") present and not
seen before. Seen ``jti`` values are
kept until their token could no longer be accepted (``exp`` plus the leeway), in the replay
store: per process by default, so behind several replicas or workers set ``CDS_REPLAY_STORE``
to a Redis URL they share. An unreachable store raises `ReplayStoreError` (503), never accepts.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from service.replay import ReplayStore, store_from_url

ALGORITHMS = ("ES384", "RS384", "ES256", "RS256")
LEEWAY_S = 60
#: Longest accepted token lifetime (exp - iat), seconds. CDS Hooks 2.0.1 sets no lifetime for
#: the client's JWT (its own example token is valid for years); it asks that the access token
#: in fhirAuthorization be "very short lived" (example expires_in 300), and the SMART App
#: Launch asymmetric client authentication JWT, the same kind of one-call signed assertion,
#: must expire "no more than five minutes in the future". A tool setting on those grounds; it
#: also bounds how long a seen jti must be kept (service.replay).
MAX_LIFETIME_S = 300


class AuthError(Exception):
    """401 with this message."""


@dataclass
class Issuer:
    keys: list[Any] = field(default_factory=list)  # PyJWK objects
    jwks_url: str | None = None
    client: Any = None  # PyJWKClient, for jwks_url


@dataclass
class Trust:
    issuers: dict[str, Issuer]
    allow_unsigned: bool
    replay: ReplayStore


def _read_config(raw: str) -> dict[str, Any]:
    text = raw.strip()
    if text and not text.startswith("{"):
        text = Path(text).read_text(encoding="utf-8")
    data = json.loads(text) if text else {}
    if not isinstance(data, dict):
        raise ValueError("CDS_TRUSTED_ISSUERS must be a JSON object of issuer -> keys")
    return data


def load_trust(env: dict[str, str] | None = None) -> Trust:
    env = dict(os.environ) if env is None else env
    issuers: dict[str, Issuer] = {}
    for iss, spec in _read_config(env.get("CDS_TRUSTED_ISSUERS", "")).items():
        issuer = Issuer()
        jwks = spec.get("jwks")
        if isinstance(jwks, dict) and jwks.get("keys"):
            issuer.keys = list(jwt.PyJWKSet.from_dict(jwks).keys)
        if spec.get("jwks_url"):
            issuer.jwks_url = str(spec["jwks_url"])
            issuer.client = jwt.PyJWKClient(
                issuer.jwks_url, cache_keys=True, lifespan=3600, timeout=5
            )
        issuers[str(iss)] = issuer
    return Trust(
        issuers=issuers,
        allow_unsigned=env.get("CDS_ALLOW_UNSIGNED", "") == "1",
        replay=store_from_url(env.get("CDS_REPLAY_STORE", "")),
    )


def _key_for(issuer: Issuer, header: dict[str, Any]) -> Any:
    kid = header.get("kid")
    jku = header.get("jku")
    if jku is not None and jku != issuer.jwks_url:
        raise AuthError("the token's jku is not the issuer's configured JWK set")
    matches = [k for k in issuer.keys if kid is None or k.key_id == kid]
    if matches:
        return matches[0]
    if issuer.client is not None and kid is not None:
        try:
            return issuer.client.get_signing_key(kid)
        except jwt.PyJWKClientError as error:
            raise AuthError(f"no key '{kid}' in the issuer's JWK set ({error})") from None
    raise AuthError("no configured key matches the token's kid")


def verify(trust: Trust, authorization: str | None, audiences: list[str]) -> dict[str, Any] | None:
    """The token's claims, or None for an allowed unsigned call; raises AuthError otherwise."""
    if not authorization:
        if trust.allow_unsigned:
            return None
        raise AuthError("missing Authorization: Bearer <JWT> signed by a trusted EHR")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <JWT>'")
    token = token.strip()
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AuthError("the token is not a well-formed JWT") from None
    if header.get("alg") not in ALGORITHMS:
        raise AuthError(f"algorithm {str(header.get('alg'))[:10]!r} is not accepted")
    _check_header(header)
    iss = unverified.get("iss")
    issuer = trust.issuers.get(iss) if isinstance(iss, str) else None
    if issuer is None:
        raise AuthError("the token's issuer is not on this service's allow-list")
    key = _key_for(issuer, header)
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=list(ALGORITHMS),
            audience=audiences,
            issuer=iss,
            leeway=LEEWAY_S,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("the token has expired") from None
    except jwt.InvalidAudienceError:
        raise AuthError("the token's aud is not this service's endpoint") from None
    except jwt.MissingRequiredClaimError as error:
        raise AuthError(f"the token lacks the '{error.claim}' claim") from None
    except jwt.InvalidSignatureError:
        raise AuthError("the token's signature does not verify") from None
    except jwt.PyJWTError as error:
        raise AuthError(f"the token was refused: {error}") from None
    _check_audience(claims["aud"], audiences)
    _check_lifetime(claims)
    _check_replay(trust, str(iss), str(claims["jti"]), float(claims["exp"]))
    return claims


def _check_header(header: dict[str, Any]) -> None:
    """`kid` and `typ` are REQUIRED in the header (CDS Hooks 2.0.1, the JWT header table)."""
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.strip():
        raise AuthError("the token's header lacks 'kid' (the key that signed it)")
    typ = header.get("typ")
    # "Fixed value: JWT"; RFC 7519 5.1 reads it case-insensitively (uppercase recommended).
    if not isinstance(typ, str) or typ.upper() != "JWT":
        shown = repr(typ[:20]) if isinstance(typ, str) else "missing"
        raise AuthError(f"the token's header 'typ' must be 'JWT' (it is {shown})")


def _check_audience(aud: object, audiences: list[str]) -> None:
    """`aud` MUST be the URL of the endpoint invoked: that string, or an array of only it (a
    token naming other audiences too could be replayed at them)."""
    values = aud if isinstance(aud, list) else [aud]
    if len(values) != 1 or values[0] not in audiences:
        raise AuthError("the token's aud is not exactly this service's endpoint")


def _check_lifetime(claims: dict[str, Any]) -> None:
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise AuthError("the token's exp and iat must be numbers")
    if exp - iat > MAX_LIFETIME_S:
        raise AuthError(
            f"the token lives {exp - iat:.0f} s (exp - iat); at most {MAX_LIFETIME_S} s accepted"
        )


def _check_replay(trust: Trust, iss: str, jti: str, exp: float) -> None:
    """AuthError for a jti already used; ReplayStoreError (503) when the store cannot tell."""
    if not trust.replay.first_use(f"{iss}|{jti}", exp + LEEWAY_S):
        raise AuthError("this token's jti was already used (replay refused)")
