"""The seeds a campaign mutates and the key material it plants.

Seeds are every file under ``samples/`` and the real-log corpus ``tests/real/*.log``:
captures in every format attrace reads, plus the odd rules file or script, which make
good "not a capture" inputs.  Keys are generated from the campaign's seed (so a run is
reproducible) with ``cryptography``; the oracles look for their bodies, and for the body
of any private key a seed already holds, in everything attrace prints or writes.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ROOT: Final = Path(__file__).resolve().parent.parent
"""The repository root (``fuzz/`` sits beside ``attrace/``)."""

_PRIVATE_PEM: Final = re.compile(
    rb"-----BEGIN ((?:[A-Z]+ )?PRIVATE KEY)-----(.*?)-----END \1-----", re.S)
_BASE64_LINE: Final = re.compile(rb"[A-Za-z0-9+/=]{16,}")


@dataclass(frozen=True)
class Seed:
    """One corpus file: its name (relative to the root) and bytes."""

    name: str
    data: bytes

    @property
    def filename(self) -> str:
        """The file's own name: readers may read meaning into it (``_tx``/``_rx``)."""
        return Path(self.name).name


def seeds(root: Path = ROOT) -> list[Seed]:
    """Every sample and real log, in a stable order (the campaign's seed picks among
    them, so the order is part of reproducibility)."""
    paths = sorted(p for p in (root / "samples").rglob("*") if p.is_file())
    paths += sorted((root / "tests" / "real").glob("*.log"))
    return [Seed(str(p.relative_to(root)), p.read_bytes()) for p in paths]


def key_bodies(data: bytes) -> list[bytes]:
    """The base64 bodies (line breaks and prefixes dropped) of the private keys in
    ``data``, as they appear in a capture that enters them line by line."""
    bodies = []
    for m in _PRIVATE_PEM.finditer(data):
        lines = _BASE64_LINE.findall(m.group(2))
        body = b"".join(line for line in lines if not line.startswith(b"Proc-Type"))
        if len(body) >= 40:
            bodies.append(body)
    return bodies


@dataclass(frozen=True)
class Keys:
    """PEM private keys made for one campaign: an RSA key in the two encodings BC66
    users paste, and an EC key."""

    pems: tuple[bytes, ...]

    @property
    def bodies(self) -> list[bytes]:
        return [b for pem in self.pems for b in key_bodies(pem)]


@cache
def keys(seed: int) -> Keys:
    """Keys derived from ``seed`` alone (cryptography's generators cannot be seeded, so
    the RSA primes and the EC scalar come from a seeded ``random.Random``)."""
    rng = random.Random(f"keys:{seed}")
    private = _rsa(rng, 1024)
    rsa_trad = private.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.TraditionalOpenSSL,
                                     serialization.NoEncryption())
    rsa_pkcs8 = private.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    scalar = rng.randrange(1, 2**255)
    ec_key = ec.derive_private_key(scalar, ec.SECP256R1())
    ec_pem = ec_key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption())
    return Keys((rsa_trad, rsa_pkcs8, ec_pem))


def _rsa(rng: random.Random, bits: int) -> rsa.RSAPrivateKey:
    e = 65537
    while True:
        p, q = _prime(rng, bits // 2), _prime(rng, bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e:
            break
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, p * q))
    return numbers.private_key()


_SMALL_PRIMES: Final = [n for n in range(3, 1000) if all(n % k for k in range(2, n))]


def _prime(rng: random.Random, bits: int) -> int:
    while True:
        n = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if all(n % p for p in _SMALL_PRIMES) and _miller_rabin(n, rng):
            return n


def _miller_rabin(n: int, rng: random.Random, rounds: int = 24) -> bool:
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True
