"""Write a seeded synthetic archive of request records (API page shape) for benchmarks and tests.

Run: python benchmarks/generate_archive.py --requests 100000 --seed 1 --out /tmp/archive.txt
     [--format capture|pages|jsonl] [--gzip] [--page-size 1000] [--wrong-fraction 0.01]
     [--configdb FILE] [--cadence K]

The records come from ``lco_validate.synthetic`` (see its docstring for the mix); their
recorded durations are the model's with the given catalogue, except a ``--wrong-fraction``
that are off by a random non-zero amount, listed in ``OUT.wrong.jsonl`` (path, document,
pointer, id, recorded and true duration).  Output streams: memory stays constant.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, required=True, help="How many records.")
    parser.add_argument("--seed", type=int, default=0, help="Random seed (same seed, same file).")
    parser.add_argument("--out", required=True, metavar="FILE", help="Where to write.")
    parser.add_argument("--format", choices=("capture", "pages", "jsonl"), default="capture")
    parser.add_argument("--gzip", action="store_true", help="Compress (appends .gz if missing).")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--wrong-fraction", type=float, default=0.01)
    parser.add_argument("--configdb", metavar="FILE", help="Catalogue to time the records with.")
    parser.add_argument(
        "--cadence",
        type=int,
        default=1,
        metavar="K",
        help="Emit each drawn request K times, as a cadence expands it (new ids, later windows).",
    )
    arguments = parser.parse_args()
    if arguments.requests < 0 or arguments.page_size < 1 or arguments.cadence < 1:
        parser.error("--requests must be >= 0, --page-size and --cadence >= 1")
    if not 0.0 <= arguments.wrong_fraction <= 1.0:
        parser.error("--wrong-fraction must be between 0 and 1")

    from lco_validate import CatalogueError, load_catalogue
    from lco_validate.synthetic import generate_requests, write_archive

    try:
        catalogue = load_catalogue(arguments.configdb)
    except CatalogueError as error:
        parser.error(str(error))
    path = arguments.out
    if arguments.gzip and not path.endswith(".gz"):
        path += ".gz"
    started = time.perf_counter()
    records = generate_requests(
        catalogue,
        arguments.requests,
        seed=arguments.seed,
        wrong_fraction=arguments.wrong_fraction,
        cadence=arguments.cadence,
    )
    written = write_archive(
        records,
        path,
        total=arguments.requests,
        output_format=arguments.format,
        page_size=arguments.page_size,
        compress=arguments.gzip,
    )
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mix = ", ".join(f"{code} {count}" for code, count in sorted(written.by_instrument_type.items()))
    print(
        f"wrote {written.requests} requests in {written.documents} documents to {written.path} "
        f"({written.wrong} wrong, listed in {written.wrong_path})\n"
        f"mix: {mix}\n"
        f"{elapsed:.1f} s, {written.requests / max(elapsed, 1e-9):,.0f} requests/s, "
        f"peak RSS {peak_mib:.0f} MiB",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
