"""A live campaign as a manifest: what ``campaigns import`` writes (pure: no I/O).

The manifest must plan as "No changes" against the campaign it came from, and say no
more than it must: each setting is written only when it differs from what omitting it
means (diff.py, normalize.py), so that a reviewer sees what is particular to this
campaign. What an omission means, per setting:

- ``telephony``, ``max_concurrency``, ``retry_config``, ``circuit_breaker``: not
  managed, the campaign keeps its own. Written when they say something: a configuration
  other than the one Dograh picks by default, a concurrency cap, a retry policy other
  than the organization's ``default_retry_config``, a breaker other than the one Dograh
  runs when none was sent (docs/dograh-api.md §3.3, §4).
- ``schedule``: no calling window. So an enabled schedule with slots is always written,
  grouped as a manifest writes it (``days: [mon, ..., fri]``); a disabled one is not.
- ``state``: draft. Dograh's states map to the manifest's; a ``completed`` or ``failed``
  campaign accepts no change, and ``paused`` is the state that plans clean for both
  and that never asks it to dial (``running`` would be refused for a failed one, and
  ``draft`` for both, as they were started).

Every value is checked by the manifest model before it is written, and a name or a
setting the format cannot hold (a name with leading spaces, a time Dograh accepts but
a clock does not have) is a refusal, not a silent change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler.dograh_defaults import DOGRAH_BREAKER, default_retry
from reconciler.live import MANIFEST_STATE, LiveCampaign, LiveState, TelephonyConfig, Workflow
from reconciler.manifest.defaults import DEFAULTED
from reconciler.manifest.messages import problem_from_error
from reconciler.manifest.model import API_VERSION, KIND, UNION_TAGS, Campaign, Schedule
from reconciler.manifest.model import CircuitBreaker as ManifestBreaker
from reconciler.manifest.model import RetryConfig as ManifestRetry
from reconciler.normalize import breaker_view, live_schedule_view, retry_view
from reconciler.render.escape import code_escape

MAX_STEM = 64
"""File names stay readable; campaign names may have 255 characters."""
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_RESERVED_STEMS = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)
"""Names Windows will not create as files, whatever the extension."""


class CannotAdopt(Exception):
    """The campaign cannot be written as a manifest that plans clean; the message says why."""


@dataclass(frozen=True)
class Draft:
    """The manifest of one live campaign, before it is written."""

    campaign: LiveCampaign
    data: dict[str, Any]
    """The manifest as the model reads it (``apiVersion``, ``kind``, ``metadata``, ``spec``)."""
    model: Campaign
    """``data`` validated: what loading the written file must give back."""
    comments: dict[str, list[str]] = field(default_factory=dict)
    """Comment lines above a key, by its dotted path (``""``: the file's head)."""

    @property
    def state(self) -> str:
        return self.model.spec.state


def draft_manifest(
    campaign: LiveCampaign,
    live: LiveState,
    csv_path: str,
    inherited: Mapping[str, tuple[Any, str]] | None = None,
) -> Draft:
    """The manifest of ``campaign``, its contacts at ``csv_path`` (relative to it), under
    the Defaults that will apply to it (``inherited``: per setting, the value they give
    and where; see ``with_defaults``).

    Raises ``CannotAdopt`` when the format cannot say what the campaign is."""
    spec: dict[str, Any] = {
        "workflow": _workflow_ref(campaign, live.workflows),
        "source": {"csv": csv_path},
    }
    comments: dict[str, list[str]] = {
        "": [f"Imported from Dograh by `campaigns import`: campaign id {campaign.id}."]
    }
    if campaign.parent_campaign_id is not None:
        comments[""].append(
            f"A redial of campaign id {campaign.parent_campaign_id}: its contacts file is the "
            "parent's, of which Dograh calls the redial's candidates only."
        )
    telephony = _telephony_ref(campaign, live)
    if telephony is not None:
        spec["telephony"] = telephony
    state = MANIFEST_STATE.get(campaign.state)
    if state is None:
        raise CannotAdopt(f"its state '{campaign.state}' is not one this tool knows")
    if state != "draft":
        spec["state"] = state
    if campaign.state in ("completed", "failed"):
        comments["spec.state"] = [
            f"Dograh: {campaign.state}. It accepts no change and never dials again; `paused`",
            "is the state that plans no action for it and never asks it to dial.",
        ]
    if campaign.max_concurrency is not None:
        if 1 <= campaign.max_concurrency <= 100:
            spec["max_concurrency"] = campaign.max_concurrency
        else:  # Dograh's API refuses one; an omission leaves it as it is
            comments[""].append(
                f"Its max_concurrency, {campaign.max_concurrency}, is outside 1..100: not managed."
            )
    retry = _retry_config(campaign, live)
    if retry is not None:
        spec["retry_config"] = retry
    schedule = live_schedule_view(campaign.schedule_config)
    if schedule is not None:
        written: dict[str, Any] = {}
        if schedule["timezone"] != "UTC":
            written["timezone"] = schedule["timezone"]
        written["slots"] = schedule["slots"]
        spec["schedule"] = written
    breaker = _circuit_breaker(campaign)
    if breaker is not None:
        spec["circuit_breaker"] = breaker
    if inherited:
        spec = with_defaults(spec, campaign, live, inherited, comments)
    data = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": campaign.name, "id": campaign.id},
        "spec": spec,
    }
    try:
        model = Campaign.model_validate(data)
    except ValidationError as exc:
        raise CannotAdopt(_refusal(exc)) from None
    return Draft(campaign, data, model, comments)


def with_defaults(
    spec: dict[str, Any],
    campaign: LiveCampaign,
    live: LiveState,
    inherited: Mapping[str, tuple[Any, str]],
    comments: dict[str, list[str]],
) -> dict[str, Any]:
    """The spec under the Defaults that will apply: a setting they give as the campaign
    has it is left out; one the campaign has otherwise is written, whole. A setting the
    spec left out (meaning "as Dograh has it") that the Defaults would set is written
    as the campaign has it, so that omitting it does not change the campaign: its value,
    or ``null`` for none (no schedule, no concurrency cap)."""
    written = dict(spec)
    for setting, (value, where) in inherited.items():
        if setting in spec:
            if _same(setting, spec[setting], value):
                del written[setting]
            continue
        own = _as_campaign_has_it(setting, campaign, live)
        written[setting] = own
        said = "none" if own is None else "its own"
        comments[f"spec.{setting}"] = [
            f"Dograh has {said}: written, else the Defaults' ({where}) would apply."
        ]
    order = ["workflow", "source", "telephony", "state", *DEFAULTED]
    return {key: written[key] for key in sorted(written, key=order.index)}


def _same(setting: str, written: Any, value: Any) -> bool:
    """Whether a setting as the import would write it is what the Defaults give."""
    if setting == "retry_config":
        return bool(ManifestRetry.model_validate(written) == value)
    if setting == "circuit_breaker":
        return bool(ManifestBreaker.model_validate(written) == value)
    if setting == "schedule":
        mine = Schedule.model_validate(written)
        return bool(mine.timezone == value.timezone and mine.api_slots() == value.api_slots())
    if isinstance(value, BaseModel):  # telephony {id: N}
        return bool(written == value.model_dump())
    return bool(written == value)


def _as_campaign_has_it(setting: str, campaign: LiveCampaign, live: LiveState) -> Any:
    """A setting the import leaves out, written: what the campaign has."""
    if setting == "telephony":
        config = live.telephony_by_id(campaign.telephony_configuration_id)
        if config is None:
            raise CannotAdopt(
                "the Defaults that would apply name a telephony configuration, and this "
                "campaign has none to name (a redial resolves one at each batch); import "
                "it into a directory without one"
            )
        return _by_name_or_id(config, live.telephony)
    if setting == "max_concurrency":
        value = campaign.max_concurrency
        return value if value is not None and 1 <= value <= 100 else None
    if setting == "retry_config":
        return _differing(retry_view(campaign.retry_config), ManifestRetry().model_dump())
    if setting == "circuit_breaker":
        return _differing(breaker_view(campaign.circuit_breaker), ManifestBreaker().model_dump())
    return None  # schedule: left out only when the campaign has none enabled


def _workflow_ref(campaign: LiveCampaign, workflows: Sequence[Workflow]) -> str | dict[str, int]:
    """By name when the name resolves to this workflow as resolve.py resolves it (one
    workflow of that name, or one active among several), else ``{id: N}``."""
    workflow = next((w for w in workflows if w.id == campaign.workflow_id), None)
    if workflow is None:
        raise CannotAdopt(
            f"its workflow (id {campaign.workflow_id}) is not among the organization's "
            "workflows, so no manifest can name it"
        )
    same = [w for w in workflows if w.name == workflow.name]
    active = [w for w in same if w.status == "active"]
    if len(same) > 1 and len(active) == 1:
        same = active
    if same == [workflow] and 1 <= len(workflow.name) <= 255:
        return workflow.name
    return {"id": workflow.id}


def _telephony_ref(campaign: LiveCampaign, live: LiveState) -> str | dict[str, int] | None:
    """None when Dograh would pick the same configuration by default, or when the
    campaign has none to name (a redial child resolves one at every batch, §2.9)."""
    config = live.telephony_by_id(campaign.telephony_configuration_id)
    if config is None:
        return None
    default = live.default_telephony()
    if default is not None and default.id == config.id:
        return None
    return _by_name_or_id(config, live.telephony)


def _by_name_or_id(
    config: TelephonyConfig, configs: Iterable[TelephonyConfig]
) -> str | dict[str, int]:
    named = [c for c in configs if c.name == config.name]
    return config.name if len(named) == 1 and 1 <= len(config.name) <= 64 else {"id": config.id}


def _retry_config(campaign: LiveCampaign, live: LiveState) -> dict[str, Any] | None:
    """Unless it is the organization's default: the fields that differ from the
    manifest's own defaults (Dograh's request defaults, which fill a sent object)."""
    view = retry_view(campaign.retry_config)
    if view == default_retry(live):
        return None
    return _differing(view, ManifestRetry().model_dump())


def _circuit_breaker(campaign: LiveCampaign) -> dict[str, Any] | None:
    """Unless Dograh runs its default breaker: read as never sent (``enabled: false``
    with the default numbers, §4.2) or sent as the default. A breaker sent disabled with
    the default numbers reads the same as one never sent, so it is left unmanaged too:
    Dograh's answers cannot tell them apart."""
    view = breaker_view(campaign.circuit_breaker)
    if view in (breaker_view(None), DOGRAH_BREAKER):
        return None
    return _differing(view, ManifestBreaker().model_dump())


def _differing(view: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in view.items() if value != defaults[key]}


def _refusal(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(step) for step in error["loc"] if step not in UNION_TAGS)
        if path == "metadata.name":
            problem = problem_from_error(error, {})
            why = problem.message if problem else "not a valid name"
            return (
                f"its name cannot be a manifest's metadata.name ({why}); rename it in "
                "Dograh, then import it"
            )
        problems.append(f"{path}: {error['msg']}")
    return (
        "the manifest format cannot hold what Dograh has ("
        + "; ".join(problems[:3])
        + "); change it in Dograh, then import it"
    )


# -- file names ------------------------------------------------------------------------


def file_stems(campaigns: Iterable[LiveCampaign]) -> dict[int, str]:
    """A file name stem for each campaign: its name made safe (``slug``), the second
    campaign of one stem ``-2``, and so on, in id order.

    Give it every live campaign, not only those imported now: a campaign's stem then
    depends only on itself and the older campaigns (ids only grow), so two runs of
    import never give one name to two campaigns, and the first keeps the plain name.
    """
    taken: set[str] = set()
    stems: dict[int, str] = {}
    for campaign in sorted(campaigns, key=lambda c: c.id):
        base = slug(campaign.name) or f"campaign-{campaign.id}"
        stem, n = base, 1
        while stem in taken:
            n += 1
            stem = f"{base}-{n}"
        taken.add(stem)
        stems[campaign.id] = stem
    return stems


def slug(name: str) -> str:
    """ASCII letters, digits and ``-``, lowercase: accents are dropped (``Café`` ->
    ``cafe``), any other character separates words; empty when nothing of the name is
    ASCII (the caller then names the file after the campaign's id)."""
    ascii_name = "".join(
        char if char.isascii() else ("" if unicodedata.combining(char) else "-")
        for char in unicodedata.normalize("NFKD", name)
    )
    text = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")
    text = text[:MAX_STEM].rstrip("-")
    return f"{text}-campaign" if text in _RESERVED_STEMS else text


# -- YAML ------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[^\W\d][\w ./()+-]*$")
"""Letters (any script), digits, ``_``, space and ``./()+-``, not first a digit: no YAML
indicator, nothing a reader could take for a number."""
_TIME = re.compile(r"^\d\d:\d\d$")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})
"""Plain words that some YAML reader (1.1 or 1.2) takes for a boolean or null."""


SCHEMA_HINT = "(`campaigns schema`, run at the repository's root, writes it)"
"""What follows a manifest's ``$schema`` path on its first line, in examples/, campaigns.d/
and what import writes: a repository of one's own has no ``schema/`` until this command
writes it. On the same line, so no manifest's line numbers move; the YAML language server
reads the path up to the first space."""


def render_manifest(draft: Draft, schema: str) -> str:
    """The manifest's text: the schema comment that editors read first, then the
    import's comments, then the document in the layout of campaigns.d/."""
    lines = [f"# yaml-language-server: $schema={schema}  {SCHEMA_HINT}"]
    lines.extend(f"# {text}" for text in draft.comments.get("", []))
    _mapping(draft.data, 0, "", draft.comments, lines)
    return "\n".join(lines) + "\n"


def _mapping(
    data: Mapping[str, Any], indent: int, path: str, comments: dict[str, list[str]], out: list[str]
) -> None:
    pad = " " * indent
    for key, value in data.items():
        here = f"{path}.{key}" if path else key
        out.extend(f"{pad}# {text}" for text in comments.get(here, []))
        if isinstance(value, dict) and value and set(value) != {"id"}:
            out.append(f"{pad}{key}:")
            _mapping(value, indent + 2, here, comments, out)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{pad}{key}:")
            for item in value:
                first, *rest = [f"{k}: {scalar(v)}" for k, v in item.items()]
                out.append(f"{pad}  - {first}")
                out.extend(f"{pad}    {line}" for line in rest)
        else:
            out.append(f"{pad}{key}: {scalar(value)}")


def scalar(value: Any) -> str:
    """A value in flow style that YAML 1.1 and 1.2 readers both read back as it is."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if any(c in text for c in ".en") else f"{text}.0"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    raise TypeError(f"no YAML form for {type(value).__name__}")


def _string(text: str) -> str:
    """Plain when nothing in it means anything to YAML, double-quoted otherwise; times
    are always quoted, as campaigns.d/ quotes them (YAML 1.1 reads 17:00 as a number)."""
    if _PLAIN.match(text) and not text.endswith(" ") and text.lower() not in _YAML_WORDS:
        return text
    if _TIME.match(text):
        return f'"{text}"'
    return '"' + "".join(_escape(c) for c in text) + '"'


def _escape(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    code = ord(char)
    printable = (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ) and char not in "\u2028\u2029\ufeff"
    return char if printable else code_escape(char)
