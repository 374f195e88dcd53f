"""The fake PageSense account's polls: definitions and responses, drawn from the sessions.

Every site has three polls of different types, spelled as a real account might
(`NPS`, `Rating Scale`, `single_choice`): a seeded share of the day's sessions answers
each, at the moment the session started, so responses fall in the day of their session.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date
from typing import Any

from sources.sandbox.server import ApiError
from sources.sandbox.world import NS, Session, Site

# (key, name, type as the account spells it, question, options)
POLLS = (
    ("nps", "Recommend us", "NPS", "How likely are you to recommend us to a friend?", ()),
    ("rating", "Rate this page", "Rating Scale", "How useful was this page?", ()),
    (
        "source",
        "What brought you here",
        "single_choice",
        "What brought you here today?",
        ("A search", "A friend", 'An ad, "Spring sale"'),
    ),
)


def _draw(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16)


def poll_id(site: Site, key: str) -> str:
    return str(400000000000000000 + _draw(site.key, "poll", key) % 10**14)


def poll_defs(site: Site) -> list[dict[str, Any]]:
    return [
        {
            "id": poll_id(site, key),
            "name": name,
            "type": kind,
            "question": question,
            "status": "active",
            "options": list(options),
        }
        for key, name, kind, question, options in POLLS
    ]


def poll_responses(site: Site, pid: str, sessions: list[Session]) -> list[dict[str, Any]]:
    """The responses to poll `pid` among `sessions` (one in five sessions answers)."""
    found = [p for p in POLLS if poll_id(site, p[0]) == pid]
    if not found:
        raise ApiError(404, "Poll not found")
    key, _, _, _, options = found[0]
    out = []
    for session in sorted(sessions, key=lambda s: s.start_ns):
        draw = _draw(session.key, key)
        if draw % 5:
            continue
        response: dict[str, Any] = {
            "response_id": f"resp_{_draw(session.key, key, 'id'):08x}",
            "submitted_at": time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(session.start_ns // NS)
            ),
            "device": session.device,
            "country": session.country_name,
            "page_url": f"https://www.{site.domain}{session.paths[0]}",
        }
        if key == "nps":
            response["score"] = response["answer"] = draw // 7 % 11
        elif key == "rating":
            response["score"] = response["answer"] = 1 + draw // 7 % 5
        else:
            response["answer"] = options[draw // 7 % len(options)]
        out.append(response)
    return out


def poll_truth(site: Site, sessions: list[Session], day: date) -> dict[tuple, Any]:
    """(website_id, day, poll_id, response_id) -> score (None without one)."""
    return {
        (site.pagesense_id, day, pid["id"], r["response_id"]): r.get("score")
        for pid in poll_defs(site)
        for r in poll_responses(site, pid["id"], sessions)
    }
