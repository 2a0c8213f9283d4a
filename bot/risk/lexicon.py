"""Build step and loader for the Suicide Risk Lexicon (Low et al. 2024, Apache-2.0).

The clinician-validated lexicon ships as data inside the PyPI package construct-tracker
1.0.16. That package is NOT installed (its pins conflict with Rasa); instead:

    python -m bot.risk.lexicon build   [--cache-dir var/cache] [--out var/build/srl_lexicon.json]

runs `pip download construct-tracker==1.0.16 --no-deps` into var/cache/ (skipped when the
wheel is already there), opens the wheel as a zip, reads
construct_tracker/data/lexicons/suicide_risk_lexicon_v1-0/suicide_risk_lexicon_validated_*.json
and writes the phrases of the constructs mapped below to var/build/srl_lexicon.json, with
attribution. The detector loads that file when present and says so in a log line.

Only the first half of each construct's "tokens" list is used: it holds the surface phrases;
the second half repeats them lemmatised ("I be die"), which would only add noise here.
Single-word phrases are dropped (they are the noisiest: "bridge", "rope", "cutting").

Which constructs the detector uses (ENABLED) was decided with
`python -m bot.risk.eval.evaluate --ablation` on tests/risk/eval_set.tsv and on the harder
tests/risk/holdout_set.tsv: a construct is enabled only if adding it to the curated rules raises
recall on some set without adding any false alarm on either. Result: none is enabled. Each
construct adds at most one holdout hit and most add false alarms on idioms and ordinary stress
(its phrases include "killing me", "on the edge", "can't see", "i want out", "fight"...).

Figures (recall on positives / false-alarm rate on hard negatives; curated rules alone:
eval 1.000 / 0.000, holdout 0.250 / 0.133; each line is curated + that one construct):

    construct                  eval recall   eval fa   holdout recall   holdout fa
    passive_suicidal_ideation  1.000 (+0)    0.004 (+0.004)  0.275 (+0.025)  0.133 (+0)
    active_suicidal_ideation   1.000 (+0)    0.000 (+0)      0.250 (+0)      0.167 (+0.033)
    lethal_means               1.000 (+0)    0.000 (+0)      0.250 (+0)      0.133 (+0)
    direct_self_injury         1.000 (+0)    0.004 (+0.004)  0.250 (+0)      0.133 (+0)
    other_suicidal_language    1.000 (+0)    0.008 (+0.008)  0.275 (+0.025)  0.167 (+0.033)
    burdensomeness             1.000 (+0)    0.000 (+0)      0.250 (+0)      0.133 (+0)
    entrapment                 1.000 (+0)    0.004 (+0.004)  0.250 (+0)      0.167 (+0.033)
    hopelessness               1.000 (+0)    0.012 (+0.012)  0.275 (+0.025)  0.133 (+0)
    sexual_abuse               1.000 (+0)    0.000 (+0)      0.250 (+0)      0.133 (+0)
    physical_abuse             1.000 (+0)    0.000 (+0)      0.250 (+0)      0.133 (+0)
    bullying                   1.000 (+0)    0.004 (+0.004)  0.250 (+0)      0.133 (+0)

Re-run the ablation after changing the rules or the sets; enable a construct by adding its id
to ENABLED and rebuilding. "Suicide exposure" is deliberately not mapped: it is third-party
talk, which the detector treats as support, not an alarm.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import zipfile
from pathlib import Path

from bot.risk.lexicon_store import DEFAULT_LEXICON_PATH, REPO_ROOT

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = REPO_ROOT / "var" / "cache"
PACKAGE = "construct-tracker"
VERSION = "1.0.16"
WHEEL_NAME = "construct_tracker-1.0.16-py3-none-any.whl"
LEXICON_DIR = "construct_tracker/data/lexicons/suicide_risk_lexicon_v1-0/"
LEXICON_PREFIX = "suicide_risk_lexicon_validated_"

ATTRIBUTION = {
    "name": "Suicide Risk Lexicon v1.0",
    "authors": "Daniel M. Low, Owen Rankin, Kate H. Bentley, Matthew K. Nock, Satrajit S. Ghosh",
    "reference": "Low DM et al. (2024). Building lexicons with generative AI result in "
                 "lightweight and interpretable text models with high content validity.",
    "license": "Apache-2.0",
    "distribution": f"PyPI package {PACKAGE}=={VERSION}",
}

# construct name in the lexicon -> (our id, category, severity)
CONSTRUCTS: dict[str, tuple[str, str, str]] = {
    "Passive suicidal ideation": ("passive_suicidal_ideation", "passive_ideation", "low"),
    "Active suicidal ideation & suicidal planning": (
        "active_suicidal_ideation", "active_ideation", "moderate"),
    "Lethal means for suicide": ("lethal_means", "plan_intent", "high"),
    "Direct self-injury": ("direct_self_injury", "self_harm", "moderate"),
    "Other suicidal language": ("other_suicidal_language", "passive_ideation", "low"),
    "Burdensomeness": ("burdensomeness", "passive_ideation", "low"),
    "Entrapment & desire to escape": ("entrapment", "passive_ideation", "low"),
    "Hopelessness": ("hopelessness", "passive_ideation", "low"),
    "Sexual abuse & harassment": ("sexual_abuse", "abuse_danger", "moderate"),
    "Physical abuse & violence": ("physical_abuse", "abuse_danger", "moderate"),
    "Bullying": ("bullying", "abuse_danger", "moderate"),
}
# Decided by evaluation (see the module docstring): no construct helps yet.
ENABLED: frozenset[str] = frozenset()


def download_wheel(cache_dir: Path) -> Path:
    """The construct-tracker wheel in cache_dir, downloaded with pip if not there yet."""
    wheel = cache_dir / WHEEL_NAME
    if wheel.is_file():
        logger.info("using cached %s", wheel)
        return wheel
    cache_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={VERSION}", "--no-deps",
               "-d", str(cache_dir)]
    logger.info("running %s", " ".join(command))
    subprocess.run(command, check=True)
    if not wheel.is_file():
        raise FileNotFoundError(f"pip download did not produce {wheel}")
    return wheel


def read_lexicon_from_wheel(wheel: Path) -> tuple[str, dict]:
    """(member name, parsed JSON) of the validated lexicon inside the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(name for name in archive.namelist()
                       if name.startswith(LEXICON_DIR + LEXICON_PREFIX) and name.endswith(".json")
                       and "_metadata" not in name and "prototypical" not in name)
        if not names:
            raise FileNotFoundError(f"no {LEXICON_PREFIX}*.json under {LEXICON_DIR} in {wheel}")
        return names[-1], json.loads(archive.read(names[-1]))


def surface_phrases(tokens: list[str]) -> list[str]:
    """The phrases a construct lists, without the lemmatised repeats and single words."""
    half = len(tokens) // 2
    surface = tokens[:half] if len(tokens) % 2 == 0 and half else tokens
    phrases = []
    for phrase in surface:
        cleaned = " ".join(phrase.lower().split())
        if len(cleaned.split()) >= 2 and cleaned not in phrases:
            phrases.append(cleaned)
    return phrases


def build(cache_dir: Path = DEFAULT_CACHE_DIR, out: Path = DEFAULT_LEXICON_PATH) -> Path:
    """Download (if needed), extract and write the lexicon file; returns its path."""
    wheel = download_wheel(cache_dir)
    member, lexicon = read_lexicon_from_wheel(wheel)
    constructs = {}
    for name, (construct_id, category, severity) in CONSTRUCTS.items():
        if name not in lexicon:
            logger.warning("construct %r not in %s", name, member)
            continue
        constructs[construct_id] = {
            "name": name,
            "category": category,
            "severity": severity,
            "enabled": construct_id in ENABLED,
            "phrases": surface_phrases(lexicon[name]["tokens"]),
        }
    payload = {"source": {**ATTRIBUTION, "file": member}, "constructs": constructs}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    total = sum(len(item["phrases"]) for item in constructs.values())
    logger.info("wrote %s: %d constructs, %d phrases, enabled: %s", out, len(constructs), total,
                ", ".join(sorted(ENABLED)) or "none")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.risk.lexicon",
                                     description="Build the Suicide Risk Lexicon file.")
    sub = parser.add_subparsers(dest="command", required=True)
    build_parser = sub.add_parser("build", help="download the wheel and write the lexicon file")
    build_parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    build_parser.add_argument("--out", type=Path, default=DEFAULT_LEXICON_PATH)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        path = build(args.cache_dir, args.out)
    except (subprocess.CalledProcessError, FileNotFoundError, zipfile.BadZipFile,
            ValueError) as error:
        print(f"lexicon build failed: {error}", file=sys.stderr)
        return 1
    print(f"lexicon written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
