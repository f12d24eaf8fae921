"""A software authenticator for tests: it answers WebAuthn options the way a browser
and a platform authenticator would (ES256 key, "none" attestation), so py_webauthn
verifies real signatures without a browser."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Device:
    rp_id: str = "localhost"
    origin: str = "http://localhost"
    verifies: bool = True  # user verification (PIN, biometrics)
    counts: bool = True  # keeps a signature counter
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    count: int = 0

    def _cose(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def _auth_data(self, extra: int = 0, tail: bytes = b"") -> bytes:
        if self.counts:
            self.count += 1
        flags = UP | (UV if self.verifies else 0) | extra
        return (hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags])
                + struct.pack(">I", self.count if self.counts else 0) + tail)

    def create(self, options: dict) -> dict:
        """The credential's toJSON() for creation options."""
        attested = (bytes(16) + struct.pack(">H", len(self.credential_id))
                    + self.credential_id + self._cose())
        auth_data = self._auth_data(AT, attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id),
                "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(self._client_data("webauthn.create",
                                                                     options["challenge"])),
                             "attestationObject": b64(attestation),
                             "transports": ["internal"]}}

    def get(self, options: dict) -> dict:
        """The assertion's toJSON() for request options."""
        client_data = self._client_data("webauthn.get", options["challenge"])
        auth_data = self._auth_data()
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id),
                "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(client_data),
                             "authenticatorData": b64(auth_data), "signature": b64(signature),
                             "userHandle": None}}
