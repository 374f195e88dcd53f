"""One seeded synthetic world of sites, visitors and sessions that both fake vendors observe.

Sessions are generated per site and UTC date from a seed derived from (seed, site, date,
revision), so any day is cheap, deterministic and independent of every other day. Each
vendor sees most sessions but not all (their recording rates differ), so a site tracked
by both shows comparable, not identical, numbers. `restate` changes chosen days the way a
vendor restates recent data.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

NS = 1_000_000_000
TICK_NS = 100  # Mouseflow's 7 fractional digits: 100 ns ticks

DEVICES = (("desktop", 0.55), ("mobile", 0.35), ("tablet", 0.10))
COUNTRIES = (
    ("us", "United States", 0.30),
    ("de", "Germany", 0.20),
    ("gb", "United Kingdom", 0.15),
    ("fr", "France", 0.10),
    ("in", "India", 0.10),
    ("br", "Brazil", 0.05),
    ("jp", "Japan", 0.05),
    ("ca", "Canada", 0.05),
)
BROWSERS = ("Chrome", "Safari", "Firefox", "Edge")
REFERRERS = ("Search", "Direct", "Social", "Link", "Email")
CONTENT_PATHS = ("/", "/products", "/products/shoes", "/products/shirts", "/blog", "/about")


@dataclass(frozen=True)
class FunnelDef:
    funnel_key: str
    name: str
    steps: tuple[tuple[str, str], ...]  # (step name, path)


@dataclass(frozen=True)
class FormDef:
    form_key: str
    name: str
    path: str
    target: str
    fields: tuple[tuple[str, str, str], ...]  # (target, alias, type)


@dataclass(frozen=True)
class Site:
    key: str
    domain: str
    daily_sessions: int
    pagesense_id: str | None
    pagesense_timezone: str
    mouseflow_id: str | None
    funnels: tuple[FunnelDef, ...]
    forms: tuple[FormDef, ...]
    busy_days: Mapping[date, int] = field(default_factory=dict)  # UTC date -> sessions


@dataclass(frozen=True)
class Session:
    key: str
    site_key: str
    visitor: str
    start_ns: int  # UTC epoch nanoseconds, a multiple of 100 ns
    duration_ms: int
    paths: tuple[str, ...]  # one per page view
    device: str
    country_code: str
    country_name: str
    browser: str
    referrer_type: str
    funnel_depths: tuple[int, ...]  # steps reached, per funnel of the site
    form_stages: tuple[int, ...]  # per form: 0 none, 1 viewed, 2 interacted, 3 submitted, 4 ok
    seen_by_mouseflow: bool
    seen_by_pagesense: bool

    @property
    def pages(self) -> int:
        return len(self.paths)

    @property
    def end_ns(self) -> int:
        return self.start_ns + self.duration_ms * 1_000_000

    @property
    def converted(self) -> bool:
        return any(stage >= 3 for stage in self.form_stages)


CHECKOUT = FunnelDef(
    "checkout",
    "Checkout",
    (
        ("Product page", "/products"),
        ("Cart", "/cart"),
        ("Checkout", "/checkout"),
        ("Thank you", "/thank-you"),
    ),
)
SIGNUP_FUNNEL = FunnelDef("signup", "Signup", (("Home", "/"), ("Sign up", "/signup")))
NEWSLETTER = FormDef(
    "newsletter",
    "Newsletter",
    "/",
    "#newsletter",
    (("email", "E-mail", "email"),),
)
CHECKOUT_FORM = FormDef(
    "checkout-form",
    "Checkout Form",
    "/checkout",
    "#checkout",
    (("name", "Name", "text"), ("email", "E-mail", "email"), ("card", "Card", "text")),
)


def default_sites() -> tuple[Site, ...]:
    """The demo world: a shop tracked by both vendors, and one site on each vendor alone."""
    return (
        Site(
            key="shop",
            domain="myshop.com",
            daily_sessions=60,
            pagesense_id="123456000000234567",
            pagesense_timezone="America/New_York",
            mouseflow_id="8fc2ace2-75bc-8ba4-b424-c8916670b990",
            funnels=(CHECKOUT, SIGNUP_FUNNEL),
            forms=(NEWSLETTER, CHECKOUT_FORM),
        ),
        Site(
            key="blog",
            domain="myblog.org",
            daily_sessions=25,
            pagesense_id="123456000000765432",
            pagesense_timezone="Europe/Berlin",
            mouseflow_id=None,
            funnels=(SIGNUP_FUNNEL,),
            forms=(NEWSLETTER,),
        ),
        Site(
            key="docs",
            domain="docs.example.net",
            daily_sessions=20,
            pagesense_id=None,
            pagesense_timezone="UTC",
            mouseflow_id="6793a2a8-9be8-42ce-4fb1-9107e379dfde",
            funnels=(SIGNUP_FUNNEL,),
            forms=(NEWSLETTER,),
        ),
    )


def _weighted(rng: random.Random, options: tuple[tuple[object, ...], ...]) -> tuple[object, ...]:
    pick = rng.random()
    for option in options:
        pick -= float(option[-1])  # type: ignore[arg-type]
        if pick <= 0:
            return option
    return options[-1]


def _stable_seed(*parts: object) -> int:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class World:
    """The synthetic truth behind both fake vendors."""

    def __init__(self, sites: tuple[Site, ...] | None = None, seed: int = 7) -> None:
        self.sites = sites if sites is not None else default_sites()
        self.seed = seed
        self._revisions: dict[tuple[str, date], int] = {}
        self._cache: dict[tuple[str, date, int], tuple[Session, ...]] = {}
        self._lock = threading.Lock()

    def site(self, key: str) -> Site:
        return next(site for site in self.sites if site.key == key)

    def site_by_vendor_id(self, vendor: str, website_id: str) -> Site | None:
        attr = "pagesense_id" if vendor == "pagesense" else "mouseflow_id"
        return next((s for s in self.sites if getattr(s, attr) == website_id), None)

    def restate(self, site_key: str, utc_dates: list[date]) -> None:
        """Change the sessions of these UTC dates, as a vendor restating late data would."""
        with self._lock:
            for day in utc_dates:
                self._revisions[(site_key, day)] = self._revisions.get((site_key, day), 0) + 1

    def sessions_on(self, site: Site, utc_date: date) -> tuple[Session, ...]:
        """Every session of `site` that started on `utc_date` (UTC), oldest first."""
        with self._lock:
            revision = self._revisions.get((site.key, utc_date), 0)
            cached = self._cache.get((site.key, utc_date, revision))
        if cached is not None:
            return cached
        sessions = self._generate(site, utc_date, revision)
        with self._lock:
            self._cache[(site.key, utc_date, revision)] = sessions
        return sessions

    def sessions_between(self, site: Site, start_ns: int, end_ns: int) -> Iterator[Session]:
        """Sessions of `site` starting in [start_ns, end_ns), oldest first."""
        day = datetime.fromtimestamp(start_ns // NS, tz=UTC).date()
        last = datetime.fromtimestamp((end_ns - 1) // NS, tz=UTC).date()
        while day <= last:
            for session in self.sessions_on(site, day):
                if start_ns <= session.start_ns < end_ns:
                    yield session
            day += timedelta(days=1)

    def _generate(self, site: Site, utc_date: date, revision: int) -> tuple[Session, ...]:
        rng = random.Random(_stable_seed(self.seed, site.key, utc_date.isoformat(), revision))
        weekday_factor = 0.75 if utc_date.weekday() >= 5 else 1.0
        count = site.busy_days.get(utc_date)
        if count is None:
            mean = site.daily_sessions * weekday_factor
            count = max(0, round(rng.gauss(mean, mean**0.5)))
        midnight = (
            int(datetime(utc_date.year, utc_date.month, utc_date.day, tzinfo=UTC).timestamp()) * NS
        )
        ticks_per_day = 86400 * NS // TICK_NS
        starts = sorted(rng.randrange(ticks_per_day) for _ in range(count))
        sessions = []
        for index, tick in enumerate(starts):
            sessions.append(self._session(site, rng, midnight + tick * TICK_NS, utc_date, index))
        return tuple(sessions)

    def _session(
        self, site: Site, rng: random.Random, start_ns: int, utc_date: date, index: int
    ) -> Session:
        device = str(_weighted(rng, DEVICES)[0])
        code, name, _ = _weighted(rng, COUNTRIES)
        depths = []
        paths = [rng.choice(CONTENT_PATHS)]
        for funnel in site.funnels:
            depth = 0
            for _step in funnel.steps:
                if rng.random() < (0.6 if depth == 0 else 0.55):
                    depth += 1
                else:
                    break
            depths.append(depth)
            paths.extend(path for _name, path in funnel.steps[:depth])
        stages = []
        for form in site.forms:
            stage = 0
            if form.path in paths or rng.random() < 0.2:
                stage = 1
                while stage < 4 and rng.random() < 0.6:
                    stage += 1
            stages.append(stage)
        if rng.random() < 0.35:
            paths = paths[:1]  # a bounce: one page only
            depths = [min(depth, 1) for depth in depths]
        duration_ms = rng.randrange(2_000, 60_000) * len(paths) + rng.randrange(1000)
        return Session(
            key=f"{site.key}-{utc_date.isoformat()}-{index}-{rng.getrandbits(32):08x}",
            site_key=site.key,
            visitor=f"{rng.getrandbits(64):016x}",
            start_ns=start_ns,
            duration_ms=duration_ms,
            paths=tuple(paths),
            device=device,
            country_code=str(code),
            country_name=str(name),
            browser=rng.choice(BROWSERS),
            referrer_type=rng.choice(REFERRERS),
            funnel_depths=tuple(depths),
            form_stages=tuple(stages),
            seen_by_mouseflow=rng.random() < 0.97,
            seen_by_pagesense=rng.random() < 0.94,
        )
