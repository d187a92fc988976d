"""Who signs: the operator's certificate and key, or this installation's own local CA.

With ``VIDEOGEN_C2PA_CERT`` (a PEM chain, the signing certificate first) and ``VIDEOGEN_C2PA_KEY``
(its PEM private key) set, they sign. Otherwise a per-installation local CA and a signing
certificate it issued are made on first use and kept in ``<config>/c2pa/`` (:func:`videogen.config.config_dir`):

* ``root.pem``: the local root (ES256 / P-256, a CA, 20 years); its private key is thrown away once
  it has signed the signing certificate, so nothing more can ever be issued under it;
* ``signer.pem``: the signing certificate (P-256, not a CA, ``digitalSignature`` key usage, the
  ``emailProtection`` extended key usage C2PA accepts, 5 years) followed by the root: the chain
  a manifest carries;
* ``signer.key``: its private key, PKCS#8 PEM, mode 0600.

C2PA refuses a self-signed certificate as the signer, hence the two levels. The folder is written
under a temporary name and renamed into place whole, so two processes starting at once never see
half of it: the loser of the rename uses the winner's. Files signed this way are valid, but not
trusted by viewers (``signingCredential.untrusted``) until an operator configures a certificate from
a CA on the C2PA trust list. Nothing here is ever part of the repository.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from videogen.errors import CredentialsError

logger = logging.getLogger(__name__)

CERT_VARIABLE, KEY_VARIABLE = "VIDEOGEN_C2PA_CERT", "VIDEOGEN_C2PA_KEY"
ROOT_YEARS, SIGNER_YEARS = 20, 5
ORGANIZATION = "videogen (this installation)"


@dataclass(frozen=True)
class Identity:
    """A signing certificate chain and its key, as PEM text, and the algorithm their key takes."""

    chain: bytes
    key: bytes
    alg: str  # "es256", "es384", "es512", "ps256", "ed25519" (c2pa's names)
    source: str  # "operator" (the environment's) or "local" (the local CA's)
    folder: Path | None = None  # the local CA's folder


def load_identity() -> Identity:
    """The operator's certificate and key when the environment names them, else the local CA's
    (made on first use)."""
    cert, key = os.environ.get(CERT_VARIABLE, "").strip(), os.environ.get(KEY_VARIABLE, "").strip()
    if cert or key:
        if not (cert and key):
            missing = KEY_VARIABLE if cert else CERT_VARIABLE
            raise CredentialsError(f"{missing} is not set: give both {CERT_VARIABLE} (the certificate chain, PEM) and "
                                   f"{KEY_VARIABLE} (its private key, PEM), or neither (this installation's local CA signs)")
        chain, secret = _read(cert, CERT_VARIABLE, "certificate chain"), _read(key, KEY_VARIABLE, "private key")
        return Identity(chain, secret, _algorithm(chain, secret), "operator")
    from videogen.config import config_dir

    folder = local_ca(config_dir() / "c2pa")
    return Identity((folder / "signer.pem").read_bytes(), (folder / "signer.key").read_bytes(), "es256", "local", folder)


def _read(path: str, variable: str, what: str) -> bytes:
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise CredentialsError(f"{variable}={path!r}: the {what} could not be read ({exc.strerror or exc}). Point it at "
                               f"a PEM file, or unset {CERT_VARIABLE} and {KEY_VARIABLE} to sign with this "
                               "installation's local CA") from exc
    if b"-----BEGIN" not in data:
        raise CredentialsError(f"{variable}={path!r} is not PEM text (no -----BEGIN line): give the {what} as PEM")
    return data


def _algorithm(chain: bytes, key: bytes) -> str:
    """c2pa's name for the key's algorithm; the key must belong to the chain's first certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        certificate = x509.load_pem_x509_certificates(chain)[0]
        secret = serialization.load_pem_private_key(key, password=None)
    except (ValueError, TypeError) as exc:
        raise CredentialsError(f"{CERT_VARIABLE} or {KEY_VARIABLE} could not be read as PEM ({exc}); give an unencrypted "
                               "private key and its certificate chain") from exc
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if certificate.public_key().public_bytes(serialization.Encoding.DER, public) != secret.public_key().public_bytes(
            serialization.Encoding.DER, public):
        raise CredentialsError(f"the key in {KEY_VARIABLE} is not the key of the first certificate in {CERT_VARIABLE}: "
                               "the chain must start with the signing certificate")
    if certificate.issuer == certificate.subject:
        raise CredentialsError(f"the certificate in {CERT_VARIABLE} is self-signed, which C2PA refuses as a signer: use "
                               "a certificate issued by a CA (the chain: the signing certificate, then its CA)")
    if isinstance(secret, ec.EllipticCurvePrivateKey):
        bits = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}.get(secret.curve.name)
        if bits:
            return bits
    if isinstance(secret, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(secret, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise CredentialsError(f"the key in {KEY_VARIABLE} is of a kind C2PA does not sign with: use EC P-256/384/521, RSA "
                           "or Ed25519")


def local_ca(folder: Path) -> Path:
    """``folder`` holding the local root and signing certificate, made if absent (see the module's docstring)."""
    if (folder / "signer.key").is_file() and (folder / "signer.pem").is_file():
        return folder
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        draft = Path(tempfile.mkdtemp(prefix=".c2pa-", dir=folder.parent))
    except OSError as exc:
        raise CredentialsError(f"the local signing certificate could not be made in {folder.parent} "
                               f"({exc.strerror or exc}): make it writable, set VIDEOGEN_CONFIG_DIR to a writable "
                               f"folder, or give {CERT_VARIABLE} and {KEY_VARIABLE}") from exc
    try:
        _write_ca(draft)
        os.replace(draft, folder)  # atomic; fails when another process put its folder there first
        logger.info("Made this installation's local Content Credentials CA in %s", folder)
    except OSError:
        if not (folder / "signer.key").is_file():
            raise CredentialsError(f"the local signing certificate could not be kept in {folder}: a file or a partial "
                                   "folder is in the way; remove it and try again") from None
    finally:
        shutil.rmtree(draft, ignore_errors=True)
    return folder


def _write_ca(folder: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION)])

    def usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                             encipher_only=False, decipher_only=False)

    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = name("videogen local Content Credentials CA")
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name).public_key(root_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365 * ROOT_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage(sign=False, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    signer = (x509.CertificateBuilder().subject_name(name("videogen Content Credentials signer")).issuer_name(root_name)
              .public_key(key.public_key()).serial_number(x509.random_serial_number()).not_valid_before(now)
              .not_valid_after(now + datetime.timedelta(days=365 * SIGNER_YEARS))
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(usage(sign=True, ca=False), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
              .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    secret = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(folder / "signer.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(secret)
    (folder / "signer.pem").write_bytes(signer.public_bytes(pem) + root.public_bytes(pem))
    (folder / "root.pem").write_bytes(root.public_bytes(pem))
    os.chmod(folder, 0o700)
