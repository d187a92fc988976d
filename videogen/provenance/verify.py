"""Reading any file's Content Credentials: ours, or another tool's (c2pa-python's ``Reader``).

:func:`verify` answers one dict, the ``verify --json`` object: ``path``, ``has_manifest``, ``valid``
(c2pa's validation state is Valid or Trusted; None without a manifest), ``ai_generated`` (an action of
the active manifest, or of an ingredient's, has a trained-model source type), ``digital_source_type``
(the active manifest's first, else its parent's), ``generator`` (the claim generator), ``model`` and
``seed`` (videogen's recipe assertion, when there is one), ``actions`` (the active manifest's, in
order) and ``issues`` (c2pa's failure codes with their explanations; ``signingCredential.untrusted``
is among them for a certificate no trust list knows, such as the local CA's).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from videogen.provenance.manifest import AI_TYPES, RECIPE_LABEL

logger = logging.getLogger(__name__)

KEYS = ("path", "has_manifest", "valid", "ai_generated", "digital_source_type", "generator", "model", "seed", "actions",
        "issues")


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for assertion in manifest.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            found += (assertion.get("data") or {}).get("actions") or []
    return found


def _source_types(manifest: dict[str, Any]) -> list[str]:
    return [str(a["digitalSourceType"]) for a in _actions(manifest) if a.get("digitalSourceType")]


def _is_ai(url: str) -> bool:
    return url.rstrip("/").rpartition("/")[2] in AI_TYPES


def verify(path: str | Path) -> dict[str, Any]:
    """``path``'s credentials as the module's docstring says; a file without any gives ``has_manifest`` False."""
    report = inspect(path)
    return {k: report[k] for k in KEYS}


def inspect(path: str | Path) -> dict[str, Any]:
    """:func:`verify`'s answer and ``signed_by``: the signing certificate's common name (else its issuer)."""
    import json

    import c2pa

    answer: dict[str, Any] = dict.fromkeys((*KEYS, "signed_by"))
    answer.update(path=str(path), has_manifest=False, ai_generated=False, actions=[], issues=[])
    try:
        reader = c2pa.Reader.try_create(str(path))
    except c2pa.C2paError as exc:  # not a format c2pa reads, or a manifest so broken it cannot be parsed
        text = str(exc)
        if "NotSupported" in type(exc).__name__ or "not supported" in text.lower() or "type" in text.lower():
            answer["issues"] = [f"c2pa cannot read this kind of file ({text})"]
            return answer
        answer.update(has_manifest=True, valid=False, issues=[f"the manifest could not be read: {text}"])
        return answer
    except OSError as exc:
        answer["issues"] = [f"the file could not be read ({exc.strerror or exc})"]
        return answer
    if reader is None:
        return answer
    with reader:
        store = json.loads(reader.json())
        state = reader.get_validation_state()
        results = reader.get_validation_results() or {}
    manifests = (store or {}).get("manifests") or {}
    active = manifests.get((store or {}).get("active_manifest")) or {}
    answer["has_manifest"] = bool(active)
    answer["valid"] = state in ("Valid", "Trusted")
    own = _source_types(active)
    chain = [manifests.get(i.get("active_manifest")) or {} for i in active.get("ingredients") or []]
    inherited = [t for m in chain for t in _source_types(m)]
    answer["ai_generated"] = any(_is_ai(t) for t in own) or any(
        _is_ai(t) for m in manifests.values() for t in _source_types(m))
    answer["digital_source_type"] = (own or inherited or [None])[0]
    generator = (active.get("claim_generator_info") or [{}])[0]
    answer["generator"] = " ".join(str(generator[k]) for k in ("name", "version") if generator.get(k)) or active.get(
        "claim_generator")
    recipe = next((a.get("data") or {} for a in active.get("assertions") or [] if a.get("label") == RECIPE_LABEL), {})
    answer["model"], answer["seed"] = recipe.get("model"), recipe.get("seed")
    answer["actions"] = [str(a.get("action")) for a in _actions(active)]
    failures = ((results.get("activeManifest") or {}).get("failure") or []) if results else (
        (store or {}).get("validation_status") or [])
    answer["issues"] = [f"{f.get('code')}: {f.get('explanation') or ''}".rstrip(": ") for f in failures]
    signer = active.get("signature_info") or {}
    answer["signed_by"] = signer.get("common_name") or signer.get("issuer")
    return answer


def summary_line(report: dict[str, Any]) -> str:
    """One line of ``verify``'s plain output."""
    if not report["has_manifest"]:
        extra = f" ({'; '.join(report['issues'])})" if report["issues"] else ""
        return f"{report['path']}: no Content Credentials{extra}"
    kind = report["digital_source_type"].rstrip("/").rpartition("/")[2] if report["digital_source_type"] else "no source type"
    parts = ["valid" if report["valid"] else "INVALID",
             f"AI-generated ({kind})" if report["ai_generated"] else f"not marked AI-generated ({kind})",
             f"generator {report['generator'] or '?'}"]
    if report["model"]:
        parts.append(f"model {report['model']}")
    if report["seed"] is not None:
        parts.append(f"seed {report['seed']}")
    parts.append("actions " + (", ".join(report["actions"]) or "none"))
    if report["issues"]:
        parts.append("issues: " + "; ".join(report["issues"]))
    return f"{report['path']}: " + ", ".join(parts)
