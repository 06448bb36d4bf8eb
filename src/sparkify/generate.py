"""Synthetic Sparkify data in the exact format of the public Udacity sample.

:func:`generate` writes ``log_data/YYYY/MM/YYYY-MM-DD-events.json`` (newline-delimited JSON,
one file per day, compact separators, ``\\/`` and ``\\uXXXX`` escapes, no trailing newline)
and ``song_data/A/B/C/TRABC....json`` (one Million Song Dataset record per file). The output
depends only on the arguments: the same seed gives byte-identical files. Lines are assembled
from pre-escaped fragments with numpy fancy indexing and a single ``str.join`` per chunk, so
no Python code runs per JSON field, and log days are streamed so memory stays bounded.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sparkify.errors import ConfigError

__all__ = ["GenerateResult", "generate"]

IntArr = npt.NDArray[np.int64]
ObjArr = npt.NDArray[np.object_]
Rng = np.random.Generator
Tick = Callable[[int], None]

DAY_MS = 86_400_000
NEVER = 2**62
CHUNK = 100_000
MAX_SESSION = 120
VISITOR_SESSIONS = 0.3
ALNUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)

# page, method, status; Upgrade (8, 9) and Downgrade (6, 7) are swapped to fit the user's level.
PAGES = [
    ("NextSong", "PUT", 200), ("Home", "GET", 200), ("Logout", "PUT", 307),
    ("Login", "PUT", 307), ("Settings", "GET", 200), ("Save Settings", "PUT", 307),
    ("Downgrade", "GET", 200), ("Submit Downgrade", "PUT", 307), ("Upgrade", "GET", 200),
    ("Submit Upgrade", "PUT", 307), ("About", "GET", 200), ("Help", "GET", 200),
    ("Error", "GET", 404),
]  # fmt: skip
HOME, LOGOUT = 1, 2
P_USER = np.array([870, 60, 0, 0, 12, 3, 10, 2, 10, 2, 6, 10, 2], dtype=np.float64)
P_VISITOR = np.array([0, 50, 0, 30, 0, 0, 0, 0, 0, 0, 12, 8, 0], dtype=np.float64)
CUM_USER, CUM_VISITOR = (c / c[-1] for c in (np.cumsum(P_USER), np.cumsum(P_VISITOR)))

WORDS = {  # space-separated word lists; METROS is separated by "|"
    "FIRST_F": "Kaylee Lily Jacqueline Chloe Tegan Aleena Layla Ava Sara Anabelle Rylan Jayden",
    "FIRST_M": "Walter Ryan Jacob Matthew Kevin Mohammad Jordan Aiden Tucker Wyatt Connar Cole",
    "LAST": "Frye Summers Koch Lynch Levine Cruz Arellano Harrell Griffin Roth Moreno Larson",
    "ADJ": "Blue Electric Silent Wild Golden Broken Lonely Crazy Sweet Dark Little Burning",
    "NOUN": "Heart River Night Road Fire Dream Moon Rain Angel Train Star Ghost Summer Soul",
    "VERB": "Hold Save Leave Love Call Take Find Tell Kiss Carry Forget Follow",
}
FIRST_F, FIRST_M, LAST, ADJ, NOUN, VERB = (v.split(" ") for v in WORDS.values())
METROS = (
    "San Francisco-Oakland-Hayward, CA|Phoenix-Mesa-Scottsdale, AZ|Lansing-East Lansing, MI|"
    "Washington-Arlington-Alexandria, DC-VA-MD-WV|San Jose-Sunnyvale-Santa Clara, CA|"
    "New Orleans-Metairie, LA|Lubbock, TX|Chicago-Naperville-Elgin, IL-IN-WI|Salinas, CA|"
    "Atlanta-Sandy Springs-Roswell, GA|New York-Newark-Jersey City, NY-NJ-PA|Tampa-St. "
    "Petersburg-Clearwater, FL|Portland-South Portland, ME|Houston-The Woodlands-Sugar Land, TX"
)
METRO_LIST = METROS.split("|")
_MOZ = "Mozilla/5.0 ("
USER_AGENTS = [
    f'"{_MOZ}Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/36.0.1985.143 Safari/537.36"',
    f'"{_MOZ}Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/35.0.1916.153 Safari/537.36"',
    f'"{_MOZ}X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu '
    'Chromium/36.0.1985.125 Chrome/36.0.1985.125 Safari/537.36"',
    f"{_MOZ}Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0",
    f"{_MOZ}Windows NT 5.1; rv:31.0) Gecko/20100101 Firefox/31.0",
    f'"{_MOZ}iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like '
    'Gecko) Version/7.0 Mobile/11D257 Safari/9537.53"',
]
SPECIAL = [  # non-ASCII, slash, quote and apostrophe names for escaping tests
    ("Björk", "Jóga"), ("Sigur Rós", "Hoppípolla"), ("坂本龍一", "戦場のメリークリスマス"),
    ("Motörhead", "Ace Of Spades"), ("Beyoncé", "Halo"), ("AC/DC", "Back In Black"),
    ("Édith Piaf", "Non, je ne regrette rien"), ("Мумий Тролль", "Утекай"),
    ("Isaac Hayes", 'Theme From "Shaft"'), ("Des'ree", "You Gotta Be"),
]  # fmt: skip
PLACES = [
    ("Nashville, TN.", 36.16778, -86.77836), ("California - SF", 37.77916, -122.42005),
    ("London, England", 51.50632, -0.12714), ("New York, NY", 40.71455, -74.00712),
    ("Reykjavík, Iceland", 64.13548, -21.89541), ("Tokyo, Japan", 35.68949, 139.69171),
    ("Chicago, IL", 41.88415, -87.63241), ("Zagreb Croatia", 45.80726, 15.96760),
]  # fmt: skip


@dataclass(frozen=True)
class GenerateResult:
    """What :func:`generate` wrote: file, record and byte counts, and the time it took."""

    out_dir: Path
    log_files: int
    song_files: int
    events: int
    songs: int
    nextsong_events: int
    matched_plays: int
    bytes_written: int
    seconds: float


@dataclass(frozen=True)
class _Pool:
    """Every playable song: catalogue entries first, then songs missing from the catalogue."""

    artist: list[str]
    title: list[str]
    dur: list[int]  # duration in units of 1e-5 s, so equality is exact
    n_cat: int


@dataclass(frozen=True)
class _Users:
    """Per-user event fragments indexed by ``2 * user + level``; the last user is the visitor."""

    frags: tuple[ObjArr, ObjArr, ObjArr, ObjArr, ObjArr]
    cum_weight: npt.NDArray[np.float64]
    init: IntArr
    t1: IntArr
    t2: IntArr


def _jlog(s: str) -> str:
    return json.dumps(s).replace("/", "\\/")


def _obj(items: Sequence[str]) -> ObjArr:
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    return arr


def _ids(rng: Rng, n: int, prefix: str, letters: int = 0) -> list[str]:
    """``n`` distinct 18-char ids: ``prefix`` + uppercase alphanumerics, the first ``letters``
    of them A-Z."""
    width = 18 - len(prefix)
    while True:
        codes = rng.integers(0, 36, size=(n, width))
        codes[:, :letters] %= 26
        raw = ALNUM[codes].tobytes()
        ids = [prefix + raw[i * width : (i + 1) * width].decode() for i in range(n)]
        if len(set(ids)) == n:
            return ids


def _zipf_pick(rng: Rng, n: int, size: int) -> IntArr:
    cum = np.cumsum(1.0 / np.arange(1, n + 1) ** 0.8)
    pick = np.searchsorted(cum, rng.random(size) * cum[-1], side="right")
    out: IntArr = np.minimum(pick, n - 1).astype(np.int64)
    return out


def _names(rng: Rng, n: int, artist: bool) -> list[str]:
    """``n`` artist names or song titles built from the word lists."""
    sizes = (len(ADJ), len(NOUN), len(VERB), len(FIRST_M), len(LAST), 5, len(NOUN))
    idx = (rng.random((n, len(sizes))) * np.array(sizes)).astype(np.int64).tolist()
    out = []
    for a, n1, v, f, la, form, n2 in idx:
        adj, noun, other = ADJ[a], NOUN[n1], NOUN[n2]
        if artist:
            forms = (f"The {adj} {noun}s", f"{FIRST_M[f]} {LAST[la]}", f"{adj} {other}",
                     f"{noun} & The {adj} {other}s", f"DJ {noun}")  # fmt: skip
        else:
            forms = (f"{adj} {noun}", f"{VERB[v]} Me", f"{noun} Of The {other}",
                     f"{VERB[v]} My {adj} {noun}", f"{other} ({adj} Remix)")  # fmt: skip
        out.append(forms[form])
    return out


def _durations(rng: Rng, n: int) -> list[int]:
    secs = np.clip(rng.lognormal(np.log(235.0), 0.35, n), 20.0, 1500.0)
    return [int(x) for x in (secs * 100_000).astype(np.int64)]


def _catalogue(rng: Rng, songs: int) -> tuple[list[str], list[int], _Pool]:
    """Artists and songs: several songs per artist, special names, a few exact duplicates."""
    n_art = max(1, songs // 3)
    n_sp = min(n_art, songs, len(SPECIAL))  # special artists own their special title
    names = [s[0] for s in SPECIAL[:n_art]] + _names(rng, max(0, n_art - len(SPECIAL)), True)
    more = _zipf_pick(rng, n_art, max(0, songs - n_art))
    owner_l = [int(x) for x in np.concatenate([np.arange(min(n_art, songs)), more])]
    titles = [s[1] for s in SPECIAL[:n_sp]] + _names(rng, songs - n_sp, False)
    dur = _durations(rng, songs)
    n_dup = min(songs // 2, max(1, songs // 250))
    srcs = [0, *rng.integers(0, max(1, songs // 2), max(0, n_dup - 1)).tolist()][:n_dup]
    for j, src in enumerate(srcs):  # exact copies at the tail, under other song ids
        dst = songs - 1 - j
        owner_l[dst], titles[dst], dur[dst] = owner_l[src], titles[src], dur[src]
    return names, owner_l, _Pool([names[a] for a in owner_l], titles, dur, songs)


def _missing_songs(rng: Rng, cat: _Pool, n: int) -> _Pool:
    """Append ``n`` songs absent from the catalogue: new, by known artists, or near misses."""
    artist, title, dur = list(cat.artist), list(cat.title), list(cat.dur)
    kind = (rng.random(n) if cat.n_cat else np.ones(n)).tolist()
    src = rng.integers(0, max(1, cat.n_cat), n).tolist()
    shift = (rng.integers(100, 100_000, n) * rng.choice([-1, 1], n)).tolist()
    new_dur, new_art, new_title = _durations(rng, n), _names(rng, n, True), _names(rng, n, False)
    for i in range(n):
        s, near = src[i], kind[i] < 0.1  # near miss: same title and artist, other length
        artist.append(cat.artist[s] if kind[i] < 0.4 else new_art[i])
        title.append(cat.title[s] if near else new_title[i])
        dur.append(abs(cat.dur[s] + shift[i]) + 1 if near else new_dur[i])
    return _Pool(artist, title, dur, cat.n_cat)


def _write_folder(folder: str, files: list[tuple[str, bytes]]) -> int:
    """Create ``folder`` and write its files; returns the bytes written."""
    os.makedirs(folder, exist_ok=True)
    for name, data in files:
        fd = os.open(f"{folder}/{name}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    return sum(len(data) for _, data in files)


def _artist_frags(rng: Rng, names: list[str]) -> list[str]:
    """The artist part of each artist's song records; some lack coordinates or a location."""
    n = len(names)
    ids, kind, place = _ids(rng, n, "AR"), rng.random(n).tolist(), rng.integers(0, len(PLACES), n)
    out = []
    for a in range(n):
        loc, lat, lon = PLACES[place[a]]
        coords = (lat, lon) if kind[a] >= 0.5 else ("null", "null")
        out.append(
            f'"artist_id": "{ids[a]}", "artist_latitude": {coords[0]}, '
            f'"artist_longitude": {coords[1]}, "artist_location": '
            f'{json.dumps("" if kind[a] < 0.35 else loc)}, "artist_name": {json.dumps(names[a])}, '
        )
    return out


def _song_files(
    rng: Rng, names: list[str], owner: list[int], cat: _Pool
) -> dict[str, list[tuple[str, bytes]]]:
    """Song file bodies grouped by ``A/B/C`` folder (track id characters 3-5, all ``TRA...``
    like the sample: 676 folders at most, as creating folders is the slow part)."""
    n = cat.n_cat
    art = _artist_frags(rng, names)
    song_ids, tracks = _ids(rng, n, "SO"), _ids(rng, n, "TRA", 2)
    years = np.where(rng.random(n) < 0.45, 0, rng.integers(1955, 2011, n)).tolist()
    groups: dict[str, list[tuple[str, bytes]]] = {}
    for i in sorted(range(n), key=tracks.__getitem__):
        t = tracks[i]
        body = (
            f'{{"num_songs": 1, {art[owner[i]]}"song_id": "{song_ids[i]}", '
            f'"title": {json.dumps(cat.title[i])}, "duration": {cat.dur[i] / 100_000!r}, '
            f'"year": {years[i]}}}'
        )
        groups.setdefault(f"{t[2]}/{t[3]}/{t[4]}", []).append((f"{t}.json", body.encode()))
    return groups


def _write_songs(root: Path, groups: dict[str, list[tuple[str, bytes]]], tick: Tick) -> int:
    """Write the song files with a few threads (file creation waits on the disk, not the CPU)."""
    jobs = [(f"{root}/{folder}", files) for folder, files in groups.items()]
    total = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        for (_, files), size in zip(jobs, pool.map(lambda j: _write_folder(*j), jobs), strict=True):
            total += size
            tick(len(files))
    return total


def _users(rng: Rng, n: int, start_ms: int, span_ms: int) -> _Users:
    """Stable user attributes, level history and activity weights; row ``n`` is the visitor."""
    female = rng.random(n) < 0.5
    pick = rng.integers(0, 1000, n).tolist()
    first = [(FIRST_F if female[u] else FIRST_M)[pick[u] % len(FIRST_F)] for u in range(n)]
    last = rng.integers(0, len(LAST), n).tolist()
    metro = rng.integers(0, len(METRO_LIST), n).tolist()
    agent = rng.integers(0, len(USER_AGENTS), n).tolist()
    reg = (start_ms - rng.integers(3_600_000, 90 * DAY_MS, n)).tolist()
    has1 = rng.random(n) < 0.4
    t1 = np.where(has1, start_ms + rng.integers(0, span_ms, n), NEVER)
    t2 = np.where(has1 & (rng.random(n) < 0.3), t1 + rng.integers(0, span_ms, n), NEVER)
    frags: list[list[str]] = [[], [], [], [], []]
    for u in range(n + 1):
        if u < n:
            g, ua = "F" if female[u] else "M", _jlog(USER_AGENTS[agent[u]])
            head = f'"auth":"Logged In","firstName":{_jlog(first[u])},"gender":"{g}",'
            who = (f'{head}"itemInSession":', _jlog(LAST[last[u]]), _jlog(METRO_LIST[metro[u]]),
                   f"{reg[u]}.0", ua, str(u + 1))  # fmt: skip
        else:
            who = ('"auth":"Logged Out","firstName":null,"gender":null,"itemInSession":',
                   "null", "null", "null", "null", "")  # fmt: skip
        for level in ("free", "paid"):
            frags[0].append(who[0])
            frags[1].append(f',"lastName":{who[1]},"length":')
            frags[2].append(f',"level":"{level}","location":{who[2]},"method":')
            frags[3].append(f'{who[3]},"sessionId":')
            frags[4].append(f',"userAgent":{who[4]},"userId":"{who[5]}"}}\n')
    z = np.zeros(1, dtype=np.int64)
    return _Users(
        (_obj(frags[0]), _obj(frags[1]), _obj(frags[2]), _obj(frags[3]), _obj(frags[4])),
        np.cumsum(rng.lognormal(0.0, 1.0, n)),
        np.concatenate([(rng.random(n) < 0.25).astype(np.int64), z]),
        np.concatenate([t1, z + NEVER]),
        np.concatenate([t2, z + NEVER]),
    )


def _sessions(rng: Rng, n: int) -> tuple[IntArr, npt.NDArray[np.bool_]]:
    """Session lengths summing to exactly ``n`` and which sessions are logged-out visitors."""
    lens: list[IntArr] = []
    vis: list[npt.NDArray[np.bool_]] = []
    total = 0
    while total < n:
        m = (n - total) // 12 + 16
        v = rng.random(m) < VISITOR_SESSIONS
        ln = np.where(v, np.minimum(rng.geometric(0.6, m), 5), rng.geometric(1 / 20, m))
        lens.append(np.minimum(ln, MAX_SESSION).astype(np.int64))
        vis.append(v)
        total += int(lens[-1].sum())
    all_lens, all_vis = np.concatenate(lens), np.concatenate(vis)
    cum = np.cumsum(all_lens)
    last = int(np.searchsorted(cum, n))
    all_lens = all_lens[: last + 1].copy()
    all_lens[last] -= int(cum[last]) - n
    return all_lens, all_vis[: last + 1]


def _pages(rng: Rng, item: IntArr, length: IntArr, vis: npt.NDArray[np.bool_]) -> IntArr:
    """Page per event: visitors never play songs; sessions open on Home, often end on Logout."""
    r = rng.random(len(item))
    user = np.searchsorted(CUM_USER, r, side="right")
    page = np.where(vis, np.searchsorted(CUM_VISITOR, r, side="right"), user)
    page = np.minimum(page, len(PAGES) - 1).astype(np.int64)
    r2 = rng.random(len(item))
    page[~vis & (item == 0) & (r2 < 0.6)] = HOME
    page[~vis & (item > 0) & (item == length - 1) & (r2 > 0.75)] = LOGOUT
    return page


def _plays(rng: Rng, m: int, n_cat: int, n_pool: int, match_rate: float) -> IntArr:
    """Pool index of each of ``m`` plays: a catalogue song with probability ``match_rate``."""
    from_cat = rng.random(m) < (match_rate if n_cat else 0.0)
    cat = _zipf_pick(rng, max(1, n_cat), m)
    other = n_cat + _zipf_pick(rng, n_pool - n_cat, m)
    return np.where(from_cat, cat, other)


def _day(
    rng: Rng, n: int, day_ms: int, users: _Users, pool_ms: IntArr, n_cat: int, rate: float
) -> tuple[IntArr, IntArr, IntArr, IntArr, IntArr, IntArr]:
    """One day of events sorted by time: (user*2+level, item, page, song or -1, session, ts)."""
    lens, vis = _sessions(rng, n)
    s = len(lens)
    sess = np.repeat(np.arange(s), lens)
    first = np.cumsum(lens) - lens
    item = np.arange(n) - first[sess]
    n_users = len(users.init) - 1
    pick = np.searchsorted(users.cum_weight, rng.random(s) * users.cum_weight[-1], side="right")
    owner = np.where(vis, n_users, np.minimum(pick, n_users - 1))
    page = _pages(rng, item, lens[sess], vis[sess])
    ns = page == 0
    song = np.full(n, -1, dtype=np.int64)
    song[ns] = _plays(rng, int(ns.sum()), n_cat, len(pool_ms), rate)
    gap = rng.integers(1000, 60_000, n)
    gap[ns] = np.minimum(pool_ms[song[ns]], 600_000) + rng.integers(0, 1000, int(ns.sum()))
    excl = np.cumsum(gap) - gap
    rel = excl - excl[first][sess]
    dur = rel[first + lens - 1]
    start = day_ms + (rng.random(s) * (DAY_MS - 1 - dur)).astype(np.int64)
    ts = start[sess] + rel
    u = owner[sess]
    level = users.init[u] ^ (ts >= users.t1[u]) ^ (ts >= users.t2[u])
    level = np.where(vis[sess], rng.integers(0, 2, s)[sess], level)
    page[(level == 1) & ((page == 8) | (page == 9))] -= 2  # paid users see Downgrade
    page[(level == 0) & ((page == 6) | (page == 7))] += 2  # free users see Upgrade
    order = np.lexsort((item, sess, ts))
    return (2 * u + level)[order], item[order], page[order], song[order], sess[order], ts[order]


@dataclass(frozen=True)
class _LogFrags:
    """Pre-escaped log fragments: per pool song (index 0 = not a play), per page, per item."""

    artist: ObjArr
    length: ObjArr
    song_status: ObjArr  # first len(PAGES) entries: no song, then one per pool song
    method_page: ObjArr
    items: ObjArr

    @classmethod
    def build(cls, pool: _Pool) -> _LogFrags:
        """Escape every string once."""
        no_song = [f',"song":null,"status":{st},"ts":' for _, _, st in PAGES]
        return cls(
            _obj(['{"artist":null,'] + [f'{{"artist":{_jlog(a)},' for a in pool.artist]),
            _obj(["null"] + [repr(d / 100_000) for d in pool.dur]),
            _obj(no_song + [f',"song":{_jlog(t)},"status":200,"ts":' for t in pool.title]),
            _obj([f'"{m}","page":"{p}","registration":' for p, m, _ in PAGES]),
            _obj([str(i) for i in range(MAX_SESSION)]),
        )


def _render(f: _LogFrags, uf: tuple[ObjArr, ...], ev: tuple[IntArr, ...], sids: ObjArr) -> str:
    """Lines for a slice of events: 12 fragment columns filled by fancy indexing, one join."""
    k, item, page, song, sess, ts = ev
    cols = np.empty((len(k), 12), dtype=object)
    cols[:, 0], cols[:, 1], cols[:, 2] = f.artist[song + 1], uf[0][k], f.items[item]
    cols[:, 3], cols[:, 4], cols[:, 5] = uf[1][k], f.length[song + 1], uf[2][k]
    cols[:, 6], cols[:, 7], cols[:, 8] = f.method_page[page], uf[3][k], sids[sess]
    cols[:, 9] = f.song_status[np.where(song >= 0, song + len(PAGES), page)]
    cols[:, 10] = np.fromiter(map(str, ts.tolist()), dtype=object, count=len(ts))
    cols[:, 11] = uf[4][k]
    return "".join(cols.ravel().tolist())


def _matched(pool: _Pool) -> npt.NDArray[np.bool_]:
    """Which pool songs equal a catalogue record on (title, artist name, duration)."""
    k = pool.n_cat
    keys = set(zip(pool.title[:k], pool.artist[:k], pool.dur[:k], strict=True))
    trip = zip(pool.title, pool.artist, pool.dur, strict=True)
    return np.fromiter((t in keys for t in trip), dtype=np.bool_, count=len(pool.dur))


def _write_logs(
    rng: Rng,
    root: Path,
    pool: _Pool,
    opts: tuple[int, int, int, date, float],
    tick: Callable[[int], None],
) -> tuple[int, int, int, int]:
    """Stream one file per day; returns (files, bytes, NextSong events, matched plays)."""
    events, users, days, start, rate = opts
    start_ms = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()) * 1000
    people = _users(rng, users, start_ms, days * DAY_MS)
    frags, matched = _LogFrags.build(pool), _matched(pool)
    pool_ms = np.array(pool.dur, dtype=np.int64) // 100
    weekly = 1.0 + 0.15 * np.sin(np.arange(days) * 2 * np.pi / 7)
    weight = rng.lognormal(0.0, 0.2, days) * weekly
    per_day = rng.multinomial(events, weight / weight.sum()).tolist()
    files = nbytes = plays = hits = 0
    sid0 = 1
    for d, n in enumerate(per_day):
        if n == 0:
            continue
        ev = _day(rng, n, start_ms + d * DAY_MS, people, pool_ms, pool.n_cat, rate)
        n_sess = int(ev[4].max()) + 1
        sids = _obj([str(sid0 + i) for i in range(n_sess)])
        sid0 += n_sess
        played = ev[3][ev[3] >= 0]
        plays, hits = plays + len(played), hits + int(matched[played].sum())
        day = start + timedelta(days=d)
        path = root / f"{day:%Y}" / f"{day:%m}" / f"{day:%Y-%m-%d}-events.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            for lo in range(0, n, CHUNK):
                text = _render(frags, people.frags, tuple(a[lo : lo + CHUNK] for a in ev), sids)
                data = (text[:-1] if lo + CHUNK >= n else text).encode("ascii")
                fh.write(data)
                nbytes += len(data)
                tick(min(CHUNK, n - lo))
        files += 1
    return files, nbytes, plays, hits


def _check(out_dir: Path, events: int, songs: int, users: int, days: int, rate: float) -> None:
    if min(events, songs) < 0 or users < 1 or days < 1:
        raise ConfigError(
            f"cannot generate {events} events, {songs} songs, {users} users over {days} days",
            "events and songs must be >= 0, users and days >= 1",
        )
    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"match rate {rate} is not a share", "use a value from 0 to 1")
    for part in ("log_data", "song_data"):
        if (out_dir / part).is_dir() and any((out_dir / part).iterdir()):
            raise ConfigError(
                f"{out_dir / part} already holds files",
                "generate into an empty or new directory so old files do not mix in",
            )


def generate(
    out_dir: Path,
    *,
    events: int = 10_000,
    songs: int = 1_000,
    users: int = 100,
    days: int = 30,
    seed: int = 42,
    match_rate: float = 0.5,
    start: date = date(2018, 11, 1),
    progress: Callable[[int, int], None] | None = None,
) -> GenerateResult:
    """Write a synthetic Sparkify data set (``log_data/`` and ``song_data/``) under ``out_dir``.

    Exactly ``events`` log records spread over ``days`` UTC days from ``start`` (days that
    draw no event get no file) and exactly ``songs`` song files. About ``match_rate`` of the
    NextSong plays copy a catalogue song's title, artist name and duration; the others are
    songs missing from the catalogue (including near misses that differ only in length).
    ``progress(done, total)`` is called after each chunk of records, ``total = events + songs``.
    The same arguments give byte-identical files. Raises :class:`ConfigError` for bad
    arguments or when ``out_dir/log_data`` or ``out_dir/song_data`` already holds files.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    _check(out_dir, events, songs, users, days, match_rate)
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress(done[0], events + songs)

    rng = np.random.default_rng(seed)
    names, owner, cat = _catalogue(rng, songs)
    pool = _missing_songs(rng, cat, max(50, songs))
    song_bytes = _write_songs(out_dir / "song_data", _song_files(rng, names, owner, cat), tick)
    opts = (events, users, days, start, match_rate)
    files, log_bytes, plays, hits = _write_logs(rng, out_dir / "log_data", pool, opts, tick)
    return GenerateResult(
        out_dir, files, songs, events, songs, plays, hits, song_bytes + log_bytes,
        time.perf_counter() - t0,
    )  # fmt: skip
