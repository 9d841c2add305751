"""Calling hours: whether a campaign's schedule reaches its contacts at hours their law
allows, from their phone numbers alone.

Dograh knows one time zone per campaign and nothing of where each contact lives; a
09:00-17:00 America/New_York window rings Honolulu at 03:00. This package places each
number (phonenumbers), holds each place to the rules that cover it (rules.json: US
federal, the stricter states, Canada), and reports in the manifest's terms. It is pure:
no I/O beyond its own data files, nothing of the rest of the tool but its day names.

    recipients = analyze_recipients(rows)            # once per CSV
    findings = check_hours(zone, slots, recipients, HoursPolicy())
    findings += findings_for_zones(recipients)
    findings += findings_for_numbers(recipients, dials=True)
"""

from reconciler.hours.check import (
    HoursPolicy,
    check_hours,
    findings_for_numbers,
    findings_for_zones,
    reference_year,
)
from reconciler.hours.numbers import (
    KnownPrefixes,
    Place,
    known_prefixes,
    learn_prefixes,
    normalise_e164,
)
from reconciler.hours.recipients import PlaceCount, Recipients, Rows, analyze_recipients
from reconciler.hours.report import HoursFinding, holidays_text
from reconciler.hours.rules import RULE_SETS, Rule, all_rules
from reconciler.hours.windows import Slot

__all__ = [
    "RULE_SETS",
    "HoursFinding",
    "HoursPolicy",
    "KnownPrefixes",
    "Place",
    "PlaceCount",
    "Recipients",
    "Rows",
    "Rule",
    "Slot",
    "all_rules",
    "analyze_recipients",
    "check_hours",
    "findings_for_numbers",
    "findings_for_zones",
    "holidays_text",
    "known_prefixes",
    "learn_prefixes",
    "normalise_e164",
    "reference_year",
]
