"""The glossary index at scale: build time, memory and look-up latency on a synthetic 50,000-entry glossary.

Run from the repository root::

    python bench/glossary_bench.py                  # 50,000 entries, full query counts
    python bench/glossary_bench.py --queries 0.1    # a quick run: a tenth of the queries

The glossary is generated deterministically (``random.Random(seed)``): mostly acronyms whose keys are the
initials of 2–6 public-sector words, about 20% multi-word terms with 1–3 sentence definitions, about 10% of
entries with 1–2 aliases, a few keys with two meanings, and the real seed glossary. Every figure is printed;
nothing is asserted. Targets: build ≤ 2 s, RSS ≤ 200 MB, exact/alias p99 ≤ 0.1 ms, and every look-up
(a hit, a typo fixed, suggestions, nothing found) p99 ≤ 5 ms, in CPU time of the thread (``time.thread_time_ns``:
other processes on a busy machine do not count) beside the wall clock.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import string
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glossary.index import GlossaryIndex
from glossary.loader import seed_entries, slug
from glossary.model import EntryKind, GlossaryEntry, LookupResult, LookupStatus
from glossary.normalise import fold, singular
from glossary.packs import Pack, load_pack, packs_root, tiered_lookup

# ---------------------------------------------------------------------- vocabulary

# About 300 words that make up the names of public-sector and community-safety bodies, processes and roles.
_WORD_TEXT = """
    Abuse Academy Acceptable Access Accommodation Accountability Action Active Adolescent Adult Adults Advice
    Advisory Advocate Advocacy Agency Agreement Alcohol Alliance Allocation Ambulance Antisocial Appeal
    Application Approved Area Arrest Assessment Assets Assistance Association Assurance Asylum Authority
    Awareness Behaviour Benefit Board Borough Breach Budget Bureau Business Capability Care Carer Case Caution
    Centre Charter Chief Child Children Circle Citizen Civil Clinical Closure Code Cohesion Collaborative
    College Command Commission Commissioner Commissioning Committee Community Compliance Conditional
    Conference Confidential Consent Constable Contact Contract Control Coordinator Council Counselling County
    Court Crime Criminal Crisis Cross Crown Custody Cyber Damage Data Deprivation Designated Detention
    Development Digital Director Disability Disclosure Dispersal District Diversion Domestic Drug Drugs Early
    Economic Education Emergency Employment Enforcement Engagement Environmental Equality Evidence
    Exclusion Exploitation Extremism Family Financial Fire Forced Forum Framework Fraud Fund Gang Governance
    Group Guidance Harm Hate Health Help Homelessness Homicide Honour Hospital Housing Hub Identification
    Immediate Impact Improvement Independent Information Initiative Injunction Inspection Integrated
    Intelligence Intervention Investigation Joint Justice Juvenile Knife Lead Learning Legal Liaison Licensing
    Local Management Marriage Mediation Mental Missing Modern Monitoring Multi Mutual National Needs
    Neighbourhood Network Night Notice Nuisance Observatory Offence Offender Offending Office Officer
    Online Operational Order Organised Outcome Outreach Panel Parenting Parish Partnership Patrol Peer
    Penalty Performance Perpetrator Person Persistent Plan Planning Police Policing Policy Practice
    Prevention Primary Priority Prison Probation Problem Programme Project Prolific Property Protection
    Protocol Provider Public Quality Rapid Recovery Referral Reform Regional Register Rehabilitation
    Reoffending Reporting Resilience Response Restorative Review Risk Road Rough Rural Safeguarding Safer
    Safety School Scrutiny Secure Security Sentence Serious Service Services Sexual Sleeping Social Space
    Specialist Standards Strategic Strategy Street Stronger Substance Supervision Support Surveillance
    Survivor Task Team Tenancy Threat Trading Trafficking Training Transport Trauma Treatment Trust Unit
    Urban Victim Victims Violence Violent Voluntary Vulnerable Vulnerability Ward Warden Watch Welfare
    Wellbeing Witness Women Work Worker Young Youth
"""
WORDS: tuple[str, ...] = tuple(_WORD_TEXT.split())
# Small words that appear inside expansions ("Child and Adolescent Mental Health Services").
JOINERS: tuple[str, ...] = ("and", "of", "for", "the", "on", "in")
CONTEXTS: tuple[str, ...] = (
    "health partners",
    "policing",
    "housing",
    "children's services",
    "the district council",
    "probation",
    "education",
    "the fire service",
)
SENTENCE_VERBS: tuple[str, ...] = (
    "supports",
    "coordinates",
    "reviews",
    "reduces",
    "monitors",
    "brings together",
    "funds",
    "protects",
    "oversees",
    "responds to",
)


# ---------------------------------------------------------------------- generation


@dataclass
class Generated:
    entries: list[GlossaryEntry]
    acronym_keys: list[str] = field(default_factory=list)  # generated acronym keys (each unique)
    term_keys: list[str] = field(default_factory=list)  # generated term keys (each unique)
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (alias, entry id)
    multiword_names: list[tuple[str, str]] = field(default_factory=list)  # (name, entry id)
    duplicate_keys: list[str] = field(default_factory=list)


def _title(words: Sequence[str]) -> str:
    return " ".join(words)


def _expansion(rng: random.Random, n_words: int) -> list[str]:
    words = [rng.choice(WORDS) for _ in range(n_words)]
    # now and then a joiner between two words, as in "Child and Adolescent Mental Health Services"
    if n_words >= 3 and rng.random() < 0.25:
        words.insert(rng.randrange(1, n_words), rng.choice(JOINERS))
    return words


def _sentence(rng: random.Random) -> str:
    subject = " ".join(w.lower() for w in rng.sample(WORDS, rng.randint(1, 3)))
    obj = " ".join(w.lower() for w in rng.sample(WORDS, rng.randint(2, 5)))
    extra = " ".join(w.lower() for w in rng.sample(WORDS, rng.randint(0, 4)))
    text = f"The {subject} {rng.choice(SENTENCE_VERBS)} {obj}"
    if extra:
        text += f" {rng.choice(JOINERS)} {extra}"
    return text + "."


def _definition(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))


def generate(n_entries: int, seed: int) -> Generated:
    """A deterministic glossary of about ``n_entries`` entries, the seed glossary first."""
    rng = random.Random(seed)
    seeds = seed_entries()
    entries: list[GlossaryEntry] = list(seeds)
    used_ids = {e.id for e in seeds}
    # folded keys already taken, so generated keys never shadow the plan's (MARAC stays the plan's)
    taken_keys = {fold(e.key) for e in seeds} | {fold(a) for e in seeds for a in e.aliases}
    gen = Generated(entries=entries)

    def new_id(base: str) -> str:
        base = slug(base)[:70] or "entry"
        candidate, n = base, 1
        while candidate in used_ids:
            n += 1
            candidate = f"{base}-{n}"
        used_ids.add(candidate)
        return candidate

    def acronym_shape(rng_words: list[str]) -> str | None:
        letters = "".join(w[0] for w in rng_words if w not in JOINERS).upper()
        if not 2 <= len(letters) <= 6:
            return None
        return letters

    def fresh_acronym_key(words: list[str]) -> str:
        key = acronym_shape(words)
        if key is not None and fold(key) not in taken_keys:
            return key
        # initials taken: the way real bodies cope, with a letter or two more ("CAMHS", "MARAC")
        for _ in range(50):
            base = key or "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 5)))
            extra = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(1, 2)))
            pos = rng.randint(1, len(base))
            candidate = (base[:pos] + extra + base[pos:])[: rng.randint(4, 6)]
            if len(candidate) >= 2 and fold(candidate) not in taken_keys:
                return candidate
        raise RuntimeError("could not find a free acronym key")

    n_generated = max(0, n_entries - len(seeds))
    n_terms = round(n_generated * 0.20)
    n_duplicates = max(1, n_generated // 2500)  # "a few" keys with a second meaning (20 at 50,000)
    n_acronyms = n_generated - n_terms - n_duplicates

    for _ in range(n_acronyms):
        words = _expansion(rng, rng.choices((2, 3, 4, 5, 6), weights=(10, 30, 30, 20, 10))[0])
        key = fresh_acronym_key(words)
        taken_keys.add(fold(key))
        aliases: list[str] = []
        if rng.random() < 0.10:
            for _ in range(rng.randint(1, 2)):
                if rng.random() < 0.5:  # another name for the same body
                    aliases.append(_title(_expansion(rng, rng.randint(2, 5))))
                else:  # an older or national acronym for it (HBA for HBV)
                    old = fresh_acronym_key(_expansion(rng, rng.randint(3, 5)))
                    taken_keys.add(fold(old))
                    aliases.append(old)
        entry = GlossaryEntry(
            id=new_id(key),
            kind=EntryKind.ACRONYM,
            key=key,
            text=_title(words),
            source="Synthetic benchmark glossary",
            aliases=tuple(aliases),
        )
        entries.append(entry)
        gen.acronym_keys.append(key)
        gen.multiword_names.append((entry.text, entry.id))
        gen.aliases.extend((a, entry.id) for a in aliases)

    single_word_terms = max(1, len(WORDS) // 5)  # a glossary defines some words alone, not every word
    for _ in range(n_terms):
        while True:
            n_words = rng.choices((1, 2, 3, 4), weights=(15, 40, 30, 15))[0]
            if n_words == 1 and single_word_terms <= 0:
                continue
            key = _title(rng.sample(WORDS, n_words))
            if fold(key) not in taken_keys:
                break
        taken_keys.add(fold(key))
        single_word_terms -= n_words == 1
        aliases = []
        if rng.random() < 0.10:
            aliases = [_title(rng.sample(WORDS, rng.randint(1, 4))) for _ in range(rng.randint(1, 2))]
        entry = GlossaryEntry(
            id=new_id(key),
            kind=EntryKind.TERM,
            key=key,
            text=_definition(rng),
            source="Synthetic benchmark glossary",
            aliases=tuple(aliases),
        )
        entries.append(entry)
        gen.term_keys.append(key)
        if n_words >= 2:
            gen.multiword_names.append((key, entry.id))
        gen.aliases.extend((a, entry.id) for a in aliases)

    # keys with two meanings: the same acronym key, a different id and a context each
    for key in rng.sample(gen.acronym_keys, n_duplicates):
        context = rng.choice(CONTEXTS)
        entries.append(
            GlossaryEntry(
                id=new_id(f"{key} {context}"),
                kind=EntryKind.ACRONYM,
                key=key,
                text=_title(_expansion(rng, len(key))),
                source="Synthetic benchmark glossary",
                context=context,
            )
        )
        gen.duplicate_keys.append(key)
    return gen


# ---------------------------------------------------------------------- query variants


def vary_case(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.4:
        return text
    if roll < 0.6:
        return text.lower()
    if roll < 0.75:
        return text.upper()
    if roll < 0.9:
        return text.title() if " " in text else text.capitalize()
    return "".join(ch.upper() if rng.random() < 0.5 else ch.lower() for ch in text)


def key_query(rng: random.Random, key: str) -> tuple[str, str]:
    """A query for an acronym key as people type it; returns (query, variant)."""
    roll = rng.random()
    if roll < 0.15 and len(key) >= 2:
        return ".".join(key), "dotted"  # M.A.R.A.C
    if roll < 0.30:
        return key + "s", "plural"  # MARACs
    if roll < 0.35:
        return key + "'s", "possessive"  # MARAC's
    return vary_case(rng, key), "case"


def alias_query(rng: random.Random, alias: str) -> tuple[str, str]:
    if alias.isupper() and " " not in alias:  # an acronym-shaped alias takes the key variants
        return key_query(rng, alias)
    roll = rng.random()
    if roll < 0.15:
        return alias.replace(" ", "-", 1), "hyphenated"
    return vary_case(rng, alias), "case"


LETTERS = string.ascii_lowercase


def one_edit(rng: random.Random, text: str) -> tuple[str, str]:
    """Exactly one edit on the letters of ``text``: insert, delete, substitute or transpose adjacent."""
    upper = text.isupper()
    pick_letter: Callable[[], str] = (
        (lambda: rng.choice(string.ascii_uppercase)) if upper else (lambda: rng.choice(LETTERS))
    )
    letter_positions = [i for i, ch in enumerate(text) if ch.isalpha()]
    kind = rng.choice(("insert", "delete", "substitute", "transpose"))
    if kind == "insert":
        pos = rng.choice([*letter_positions, letter_positions[-1] + 1])
        return text[:pos] + pick_letter() + text[pos:], kind
    if kind == "delete":
        pos = rng.choice(letter_positions)
        return text[:pos] + text[pos + 1 :], kind
    if kind == "substitute":
        pos = rng.choice(letter_positions)
        old = text[pos]
        new = pick_letter()
        while new.lower() == old.lower():
            new = pick_letter()
        return text[:pos] + new + text[pos + 1 :], kind
    pairs = [
        i
        for i in range(len(text) - 1)
        if text[i].isalpha() and text[i + 1].isalpha() and text[i].lower() != text[i + 1].lower()
    ]
    if not pairs:
        return one_edit(rng, text)
    i = rng.choice(pairs)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :], kind


def random_miss(rng: random.Random, known: set[str]) -> str:
    while True:
        if rng.random() < 0.7:
            q = "".join(rng.choice(LETTERS) for _ in range(rng.randint(6, 14)))
        else:
            q = " ".join(
                "".join(rng.choice(LETTERS) for _ in range(rng.randint(5, 9)))
                for _ in range(rng.randint(2, 3))
            )
        if singular(fold(q)) not in known:
            return q


# ---------------------------------------------------------------------- measuring


def rss_now_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def percentile(sorted_ns: Sequence[int], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_ns:
        return float("nan")
    rank = max(1, min(len(sorted_ns), round(p / 100 * len(sorted_ns) + 0.5)))
    return sorted_ns[rank - 1] / 1e6


@dataclass
class Timed:
    name: str
    ns: list[int]
    results: list[LookupResult] = field(default_factory=list)
    #: the thread's CPU time of each query, beside its wall-clock time in ``ns``
    cpu_ns: list[int] = field(default_factory=list)

    def ms(self, p: float) -> float:
        return percentile(sorted(self.ns), p)

    def cpu_ms(self, p: float) -> float:
        return percentile(sorted(self.cpu_ns), p)

    @property
    def max_ms(self) -> float:
        return max(self.ns) / 1e6 if self.ns else float("nan")


def time_lookups(index: GlossaryIndex, name: str, queries: Sequence[str]) -> Timed:
    ns: list[int] = []
    cpu_ns: list[int] = []
    results: list[LookupResult] = []
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    lookup = index.lookup
    for q in queries:
        c0 = cpu()
        t0 = clock()
        result = lookup(q)
        ns.append(clock() - t0)
        cpu_ns.append(cpu() - c0)
        results.append(result)
    return Timed(name, ns, results, cpu_ns)


def time_search(index: GlossaryIndex, name: str, queries: Sequence[str]) -> tuple[Timed, list[int]]:
    ns: list[int] = []
    cpu_ns: list[int] = []
    hits: list[int] = []
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    for q in queries:
        c0 = cpu()
        t0 = clock()
        found = index.search(q)
        ns.append(clock() - t0)
        cpu_ns.append(cpu() - c0)
        hits.append(len(found))
    return Timed(name, ns, cpu_ns=cpu_ns), hits


def by_outcome(timed: Sequence[Timed]) -> dict[str, Timed]:
    """Every look-up by what it answered: a hit, a typo fixed, suggestions (or a choice), nothing found."""
    kinds = {label: Timed(label, []) for label in ("hit", "typo fixed", "suggestions", "nothing found")}
    for t in timed:
        for ns, cpu_ns, result in zip(t.ns, t.cpu_ns, t.results, strict=True):
            if result.status is LookupStatus.FOUND:
                label = "typo fixed" if result.corrected_from else "hit"
            elif result.status is LookupStatus.NOT_FOUND:
                label = "nothing found"
            else:
                label = "suggestions"
            kinds[label].ns.append(ns)
            kinds[label].cpu_ns.append(cpu_ns)
    return kinds


def status_shares(results: Sequence[LookupResult]) -> dict[str, float]:
    counts = Counter(r.status.value for r in results)
    total = len(results) or 1
    return {s: counts.get(s, 0) / total for s in ("found", "suggestions", "ambiguous", "not_found")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=50_000, help="glossary size (default 50,000)")
    parser.add_argument("--queries", type=float, default=1.0, help="scale factor for every query count")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--long-only", action="store_true", help="build the index and time only the long inputs"
    )
    parser.add_argument(
        "--long-sizes",
        type=int,
        nargs="*",
        default=list(LONG_SIZES),
        help="characters of each long input (default 1,000 4,000 8,000 40,000)",
    )
    parser.add_argument(
        "--long-repeat", type=int, default=3, help="times each long operation runs; the median is shown"
    )
    args = parser.parse_args(argv)

    def n(count: int) -> int:
        return max(1, round(count * args.queries))

    rss_start = rss_now_mb()
    t0 = time.perf_counter()
    gen = generate(args.entries, args.seed)
    gen_s = time.perf_counter() - t0
    entries = gen.entries
    rss_entries = rss_now_mb()
    kinds = Counter(e.kind.value for e in entries)
    with_aliases = sum(1 for e in entries if e.aliases)

    t0 = time.perf_counter()
    index = GlossaryIndex(entries)
    build_s = time.perf_counter() - t0
    gc.collect()
    gc.freeze()  # as GlossaryService does after every build: the index stays out of full GC passes
    rss_built = rss_now_mb()
    peak_built = rss_peak_mb()

    print(f"csp-bot glossary benchmark: python {sys.version.split()[0]}, seed {args.seed}")
    print(
        f"glossary: {len(index):,} entries ({kinds['acronym']:,} acronyms, {kinds['term']:,} terms), "
        f"{with_aliases:,} with aliases ({len(gen.aliases):,} aliases), "
        f"{len(gen.duplicate_keys)} keys with two meanings; generated in {gen_s:.2f} s"
    )
    print(f"index build:  {build_s:.3f} s   (target ≤ 2 s)")
    print(
        f"memory:       RSS {rss_built:.1f} MB after build (start {rss_start:.1f} MB, "
        f"entries alone {rss_entries:.1f} MB; index adds {rss_built - rss_entries:.1f} MB), "
        f"peak RSS {peak_built:.1f} MB   (target ≤ 200 MB)"
    )

    # The typo scans' letter signatures are made on the first scan, not in the build: timed here, apart.
    c0, t0 = time.process_time(), time.perf_counter()
    index._name_letters()
    names_prep = (time.process_time() - c0, time.perf_counter() - t0)
    c0, t0 = time.process_time(), time.perf_counter()
    index._vocabulary_letters()
    vocabulary_prep = (time.process_time() - c0, time.perf_counter() - t0)
    rss_scan_ready = rss_now_mb()
    print(
        f"typo scans:   letter filter made on the first scan (not in the build): names "
        f"{names_prep[0] * 1e3:.0f} ms CPU ({names_prep[1] * 1e3:.0f} ms wall), "
        f"search vocabulary {vocabulary_prep[0] * 1e3:.0f} ms CPU; RSS {rss_scan_ready:.1f} MB after "
        f"(+{rss_scan_ready - rss_built:.1f} MB)   (target ≤ 200 MB)"
    )

    if args.long_only:
        time_long_inputs(index, gen, args.long_sizes, args.seed, args.long_repeat)
        return

    rng = random.Random(args.seed + 1)
    known_names = {singular(fold(name)) for e in entries for name in (e.key, *e.aliases, e.text)}
    id_of_key: dict[str, str] = {}
    for e in entries:
        id_of_key.setdefault(e.key, e.id)

    # warm-up: a mix of every query class, untimed
    warm = [key_query(rng, rng.choice(gen.acronym_keys))[0] for _ in range(600)]
    warm += [one_edit(rng, rng.choice(gen.acronym_keys))[0] for _ in range(200)]
    warm += [random_miss(rng, known_names) for _ in range(200)]
    for q in warm:
        index.lookup(q)
    for w in rng.sample(WORDS, 50):
        index.search(w)

    # exact keys: acronyms (M.A.R.A.C, MARACs, marac…) and, one in five, term keys in some case
    exact_q: list[tuple[str, str]] = [
        key_query(rng, rng.choice(gen.acronym_keys))
        if rng.random() < 0.8
        else (vary_case(rng, rng.choice(gen.term_keys)), "term key")
        for _ in range(n(20_000))
    ]
    exact = time_lookups(index, "exact key", [q for q, _ in exact_q])
    # aliases
    alias_q = [alias_query(rng, rng.choice(gen.aliases)[0]) for _ in range(n(20_000))]
    alias = time_lookups(index, "alias", [q for q, _ in alias_q])
    # one typo: 60% acronym keys of 4+ letters, 40% multi-word names
    long_keys = [k for k in gen.acronym_keys if len(k) >= 4]
    typo_src: list[tuple[str, str, str, str]] = []  # (query, source class, edit, intended id)
    for _ in range(n(5_000)):
        if rng.random() < 0.6:
            name = rng.choice(long_keys)
            target, cls = id_of_key[name], "acronym"
        else:
            name, target = rng.choice(gen.multiword_names)
            cls = "multi-word"
        q, edit = one_edit(rng, name)
        typo_src.append((q, cls, edit, target))
    typo = time_lookups(index, "one typo", [q for q, *_ in typo_src])
    # misses
    miss = time_lookups(index, "miss", [random_miss(rng, known_names) for _ in range(n(2_000))])
    # two typos in a name or a term's key: mostly suggestions, the look-ups that scan the most
    two_names = [name for name, _ in gen.multiword_names] + gen.term_keys
    two_typos = time_lookups(
        index,
        "two typos",
        [one_edit(rng, one_edit(rng, rng.choice(two_names))[0])[0] for _ in range(n(2_000))],
    )
    # search: single words, mostly whole words from the vocabulary, some prefixes ("safeguard")
    search_words = [
        w.lower() if rng.random() < 0.8 else w.lower()[: max(4, len(w) - 3)]
        for w in (rng.choice(WORDS) for _ in range(n(1_000)))
    ]
    search, search_hits = time_search(index, "search", search_words)
    # search words with a typo, which the search fixes from its whole vocabulary
    search_typo, search_typo_hits = time_search(
        index, "search (typo)", [one_edit(rng, w.lower())[0] for w in rng.choices(WORDS, k=n(1_000))]
    )

    rows: list[tuple[str, Timed, str, str]] = [
        (
            "exact key",
            exact,
            "p99 ≤ 0.1",
            f"found {status_shares(exact.results)['found']:.2%}",
        ),
        ("alias", alias, "p99 ≤ 0.1", f"found {status_shares(alias.results)['found']:.2%}"),
        ("one typo", typo, "p99 ≤ 5", ""),
        ("miss", miss, "p99 ≤ 5", "not_found {:.1%}".format(status_shares(miss.results)["not_found"])),
        (
            "two typos",
            two_typos,
            "p99 ≤ 5",
            "suggestions {:.1%}".format(status_shares(two_typos.results)["suggestions"]),
        ),
        ("search (1 word)", search, "", f"mean {sum(search_hits) / len(search_hits):.1f} results"),
        (
            "search (typo)",
            search_typo,
            "",
            f"mean {sum(search_typo_hits) / len(search_typo_hits):.1f} results",
        ),
    ]
    print()
    print(
        f"{'query class':<16}{'n':>7}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}"
        f"{'CPU p99':>10}  target      notes"
    )
    print("-" * 110)
    for label, t, target, note in rows:
        print(
            f"{label:<16}{len(t.ns):>7,}{t.ms(50):>10.4f}{t.ms(90):>10.4f}{t.ms(99):>10.4f}{t.max_ms:>10.3f}"
            f"{t.cpu_ms(99):>10.4f}  {target:<11} {note}"
        )
    kinds = by_outcome([exact, alias, typo, miss, two_typos])
    print()
    print(f"every look-up above by its outcome (load average {os.getloadavg()[0]:.2f}):")
    print(f"{'outcome':<16}{'n':>7}{'CPU p50':>10}{'CPU p99':>10}{'CPU max':>10}{'wall p99':>10}  target")
    for label, t in kinds.items():
        cpu_sorted = sorted(t.cpu_ns)
        print(
            f"{label:<16}{len(t.ns):>7,}{percentile(cpu_sorted, 50):>10.4f}{percentile(cpu_sorted, 99):>10.4f}"
            f"{cpu_sorted[-1] / 1e6 if cpu_sorted else float('nan'):>10.3f}{t.ms(99):>10.4f}  CPU p99 ≤ 5"
        )

    # breakdowns
    print()
    _breakdown("exact key found rate by variant", exact_q, exact.results)
    _breakdown("alias found rate by variant", alias_q, alias.results)
    shares = status_shares(typo.results)
    print("one-typo outcomes: " + ", ".join(f"{s} {v:.1%}" for s, v in shares.items()))
    outcome = Counter(
        _typo_outcome(r, target) for r, (*_, target) in zip(typo.results, typo_src, strict=True)
    )
    total = len(typo.results)
    print("  in detail: " + ", ".join(f"{k} {v / total:.1%}" for k, v in outcome.most_common()))
    wrong = [
        f"{q!r}→{r.matches[0].key!r}"
        for r, (q, *_, target) in zip(typo.results, typo_src, strict=True)
        if _typo_outcome(r, target).startswith("found, another")
    ]
    if wrong:
        print(f"  e.g. answered with another entry: {', '.join(wrong[:4])}")
    by_class: dict[str, list[int]] = {}
    by_class_status: dict[str, Counter[str]] = {}
    for ns, r, (_, cls, edit, _) in zip(typo.ns, typo.results, typo_src, strict=True):
        by_class.setdefault(cls, []).append(ns)
        by_class.setdefault(f"  {cls}/{edit}", []).append(ns)
        by_class_status.setdefault(cls, Counter())[r.status.value] += 1
    for cls, ns_list in sorted(by_class.items(), key=lambda kv: kv[0].strip()):
        ns_sorted = sorted(ns_list)
        line = (
            f"  typo {cls.strip():<24} n={len(ns_list):>5,} p50 {percentile(ns_sorted, 50):.3f} ms"
            f"  p99 {percentile(ns_sorted, 99):.3f} ms  max {ns_sorted[-1] / 1e6:.3f} ms"
        )
        if cls in by_class_status:
            c = by_class_status[cls]
            total = sum(c.values())
            line += "  " + ", ".join(f"{s} {c[s] / total:.0%}" for s in ("found", "suggestions", "not_found"))
        print(line)
    slowest = sorted(zip(typo.ns, typo_src, strict=True), key=lambda x: -x[0])[:5]
    print("  slowest typo queries: " + "; ".join(f"{q!r} {ns / 1e6:.2f} ms" for ns, (q, *_) in slowest))
    print(
        "miss outcomes: "
        + ", ".join(f"{s} {v:.1%}" for s, v in status_shares(miss.results).items())
        + f"   search p50 {search.ms(50):.3f} ms, p99 {search.ms(99):.3f} ms"
    )
    print(
        f"at the end (the benchmark keeps every LookupResult): peak RSS {rss_peak_mb():.1f} MB, "
        f"current RSS {rss_now_mb():.1f} MB"
    )
    time_long_inputs(index, gen, args.long_sizes, args.seed, args.long_repeat)
    time_pack(index, [q for q, _ in exact_q], args.seed, n, [q for q, *_ in typo_src])
    print()
    print(
        f"RESULT build_s={build_s:.3f} rss_mb={rss_built:.1f} rss_scan_ready_mb={rss_scan_ready:.1f} "
        f"exact_p99_ms={exact.ms(99):.4f} alias_p99_ms={alias.ms(99):.4f} typo_p99_ms={typo.ms(99):.3f} "
        + " ".join(f"{label.replace(' ', '_')}_cpu_p99_ms={t.cpu_ms(99):.3f}" for label, t in kinds.items())
    )


# ---------------------------------------------------------------------- the national pack


def time_pack(
    index: GlossaryIndex,
    own_exact: Sequence[str],
    seed: int,
    n: Callable[[int], int],
    own_typos: Sequence[str] = (),
) -> None:
    """The shipped pack behind the synthetic glossary, as the service tiers them: its load and build,
    the glossary's own exact keys with the pack loaded, and the pack's keys (exact and one typo), which
    the glossary misses first and the pack then answers."""
    gc.unfreeze()
    t0 = time.perf_counter()
    pack = load_pack(packs_root() / "uk-national")  # read, validated and indexed, as on first use
    pack_s = time.perf_counter() - t0
    gc.freeze()
    packs: list[Pack] = [pack]
    rng = random.Random(seed + 7)
    own_keys = {fold(e.key) for e in index.entries}
    keys = [e.key for e in pack.entries if fold(e.key) not in own_keys] or [e.key for e in pack.entries]

    def timed(name: str, queries: Sequence[str], own_index: GlossaryIndex = index) -> Timed:
        ns: list[int] = []
        results: list[LookupResult] = []
        clock = time.perf_counter_ns
        for q in queries:
            t = clock()
            result = tiered_lookup(own_index, packs, q)
            ns.append(clock() - t)
            results.append(result)
        return Timed(name, ns, results)

    for q in [*own_exact[:500], *(rng.choice(keys) for _ in range(500))]:  # warm-up, untimed
        tiered_lookup(index, packs, q)
    own = timed("own exact, pack loaded", own_exact)
    own_typo = timed("own one typo, pack loaded", own_typos)

    def typed(key: str) -> str:
        # an acronym as people type it (MARACs, m.a.r.a.c); a term's name in any case
        return key_query(rng, key)[0] if key.isupper() and " " not in key else vary_case(rng, key)

    pack_exact = timed("pack exact", [typed(rng.choice(keys)) for _ in range(n(5_000))])
    long_keys = [k for k in keys if len(k) >= 4] or keys
    pack_typo = timed("pack one typo", [one_edit(rng, rng.choice(long_keys))[0] for _ in range(n(2_000))])
    # the same pack queries behind a real partnership's glossary (the plan's, about 60 entries)
    plan = GlossaryIndex(seed_entries())
    plan_keys = {fold(e.key) for e in plan.entries}
    real_keys = [e.key for e in pack.entries if fold(e.key) not in plan_keys] or keys
    behind_plan = timed(
        "pack exact, plan's own", [typed(rng.choice(real_keys)) for _ in range(n(5_000))], plan
    )
    real_long = [k for k in real_keys if len(k) >= 4] or real_keys
    typo_behind_plan = timed(
        "pack typo, plan's own", [one_edit(rng, rng.choice(real_long))[0] for _ in range(n(2_000))], plan
    )
    from_pack = sum(1 for r in pack_exact.results if r.found and getattr(r.matches[0], "pack", None))
    print()
    print(
        f"national pack: {len(pack.entries):,} entries, loaded, validated and indexed in {pack_s * 1e3:.1f} ms "
        "(once per process)"
    )
    print(f"{'tiered query':<27}{'n':>7}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}  target")
    for t, target in (
        (own, "p99 ≤ 0.1"),
        (pack_exact, ""),
        (own_typo, "p99 ≤ 5"),
        (pack_typo, "p99 ≤ 5"),
        (behind_plan, "p99 ≤ 0.1"),
        (typo_behind_plan, "p99 ≤ 5"),
    ):
        print(
            f"{t.name:<27}{len(t.ns):>7,}{t.ms(50):>10.4f}{t.ms(90):>10.4f}{t.ms(99):>10.4f}{t.max_ms:>10.3f}"
            f"  {target}"
        )
    print(
        f"  pack exact answered from the pack: {from_pack / len(pack_exact.results):.1%}; one typo: "
        + ", ".join(f"{s} {v:.1%}" for s, v in status_shares(pack_typo.results).items())
    )
    print(
        f"RESULT pack_build_ms={pack_s * 1e3:.1f} pack_own_exact_p99_ms={own.ms(99):.4f} "
        f"pack_own_typo_p99_ms={own_typo.ms(99):.3f} "
        f"pack_exact_p99_ms={pack_exact.ms(99):.4f} pack_typo_p99_ms={pack_typo.ms(99):.3f} "
        f"pack_exact_behind_plan_p99_ms={behind_plan.ms(99):.4f} "
        f"pack_typo_behind_plan_p99_ms={typo_behind_plan.ms(99):.3f}"
    )


# ---------------------------------------------------------------------- long inputs

#: a pasted paragraph, a long message, a very long one, and the largest Slack message
LONG_SIZES = (1_000, 4_000, 8_000, 40_000)
_SEED_ACRONYMS = ("MARAC", "CPN", "PCSO", "TVP", "ASB", "G-MAP", "CSE", "IOM")


def long_text(rng: random.Random, gen: Generated, chars: int) -> str:
    """Meeting-notes prose of about ``chars`` characters, an acronym every dozen words or so."""
    parts: list[str] = []
    length = 0
    while length < chars:
        words = _sentence(rng).split()
        for _ in range(rng.randint(0, 2)):
            acronym = rng.choice(_SEED_ACRONYMS) if rng.random() < 0.5 else rng.choice(gen.acronym_keys)
            words.insert(rng.randrange(1, len(words)), acronym + rng.choice(("", "", "s", "'s", ",")))
        sentence = " ".join(words)
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)[:chars].rsplit(" ", 1)[0]


def time_long_inputs(
    index: GlossaryIndex, gen: Generated, sizes: Sequence[int], seed: int, repeat: int = 3
) -> None:
    """Look-up, search and explain of long texts, the median of ``repeat`` runs of each
    (``--long-repeat 1`` for the old cubic code, whose 8,000 characters took minutes)."""
    rng = random.Random(seed + 2)
    clock = time.perf_counter
    index.explain("MARAC")  # the first explain after a build gathers the mixed-case keys: not timed
    print()
    print(f"long inputs (median of {repeat} runs of each operation):")
    print(f"{'chars':>8}{'words':>8}{'lookup ms':>12}{'search ms':>12}{'explain ms':>12}  outcome")
    worst = 0.0
    for chars in sizes:
        text = long_text(rng, gen, chars)
        seconds: dict[str, list[float]] = {"lookup": [], "search": [], "explain": []}
        for _ in range(repeat):
            t0 = clock()
            result = index.lookup(text)
            t1 = clock()
            index.search(text)
            t2 = clock()
            explained = index.explain(text)
            t3 = clock()
            for name, took in zip(seconds, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                seconds[name].append(took)
        lookup_s, search_s, explain_s = (statistics.median(v) for v in seconds.values())
        worst = max(worst, lookup_s, search_s, explain_s)
        print(
            f"{len(text):>8,}{len(text.split()):>8,}{lookup_s * 1e3:>12.2f}{search_s * 1e3:>12.2f}"
            f"{explain_s * 1e3:>12.2f}  {result.status.value}, {len(explained)} acronyms explained"
        )
    print(f"RESULT long_worst_ms={worst * 1e3:.2f}")


def _typo_outcome(result: LookupResult, target: str) -> str:
    """What a one-typo query got, judged against the entry it was a typo of."""
    if result.status is LookupStatus.FOUND:
        hit = bool(result.matches) and result.matches[0].id == target
        how = "corrected" if result.corrected_from else "not corrected"
        return f"found, {'intended' if hit else 'another'} entry ({how})"
    if result.status is LookupStatus.SUGGESTIONS:
        offered = any(e.id == target for e in result.suggestions)
        return f"suggestions {'incl.' if offered else 'without'} intended"
    return result.status.value


def _breakdown(title: str, queries: Sequence[tuple[str, str]], results: Sequence[LookupResult]) -> None:
    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    misses: dict[str, list[str]] = {}
    for (q, variant), r in zip(queries, results, strict=True):
        total[variant] += 1
        if r.found:
            found[variant] += 1
        else:
            misses.setdefault(variant, []).append(f"{q!r}→{r.status.value}")
    parts = [f"{v} {found[v] / total[v]:.1%} of {total[v]:,}" for v in sorted(total)]
    print(f"{title}: " + ", ".join(parts))
    for variant, examples in sorted(misses.items()):
        print(f"  not found ({variant}, {len(examples)}): " + ", ".join(examples[:6]))


if __name__ == "__main__":
    main()
