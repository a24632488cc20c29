"""attrace's own fuzzer: mutated captures through every reader and command, mutated
filters through the filter compiler, each run checked against the promises attrace
makes (no crash, every byte accounted for, no key material, no raw control bytes, bounded
time).

Run from the repository root: ``python -m fuzz --minutes 30 [--seed N] [--out DIR]``.
The package is a tool, not part of the installed ``attrace``: it sits beside it so that
``tests/test_fuzz.py`` runs a short seeded campaign in CI and replays the regression
reproducers kept in ``tests/fuzz_cases/``.

Modules, in the order data flows: ``corpus`` (seeds and the generated key), ``mutate``
(byte-level mutations), ``exprs`` (filter expressions), ``cases`` (a case from a seed and
a number), ``execute`` (one case in a forked child with a watchdog), ``oracles`` (what a
run must satisfy), ``minimise`` (delta debugging), ``campaign`` (the loop, findings).
"""
