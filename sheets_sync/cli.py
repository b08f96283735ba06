"""The command line: parse, call, print. Exit codes: 0 ok, 1 problems or a failed cycle, 2 bad
config/usage."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from sheets_sync import __version__
from sheets_sync.config import Config, find_config_path, load_config
from sheets_sync.errors import ConfigError, InboxError, SheetsSyncError
from sheets_sync.inbox.imap import describe as describe_inbox
from sheets_sync.runtime import summary
from sheets_sync.runtime.cycle import CycleReport, read, run_once
from sheets_sync.runtime.health import is_healthy, record_cycle, record_health
from sheets_sync.runtime.loop import Stopper, local_now, run_forever
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sheet.look import Look
from sheets_sync.sources import Source

log = logging.getLogger("sheets_sync")

EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.log_format, args.verbose)
    command: Callable[[argparse.Namespace], int] = args.command  # the subcommand's cmd_* (set_defaults)
    try:
        return command(args)
    except ConfigError as exc:
        _report_error(args, f"Configuration problem: {exc}")
        return EXIT_CONFIG
    except SheetsSyncError as exc:
        _report_error(args, f"Error: {exc}")
        return EXIT_PROBLEMS
    except OSError as exc:  # a file the command itself writes (preview's folder, init's): name it
        where = f" {exc.filename}" if exc.filename else ""
        _report_error(
            args,
            f"Error: cannot write or read{where}: {exc.strerror or exc}. Check that the folder "
            f"exists, is writable for the user sheets-sync runs as and that its disk is not full.",
        )
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return EXIT_PROBLEMS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sheets-sync",
        description="Keeps a partnerships team's shared spreadsheet in discipline: touch reminders, "
        "follow-ups, newsletters, greetings, sales kits and a morning digest per manager.",
    )
    parser.add_argument("--version", action="version", version=f"sheets-sync {__version__}")
    _add_common_options(parser, default=None)
    parser.set_defaults(log_format="text", verbose=False)
    # the same options are accepted after the command too (`sheets-sync once -c team.yaml`)
    common = argparse.ArgumentParser(add_help=False)
    _add_common_options(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="name", required=True, metavar="COMMAND")

    init = sub.add_parser(
        "init",
        parents=[common],
        help="write a config and a realistic sample workbook",
        description="Write config.yaml and a sample workbook (partners.xlsx) into DIR.",
    )
    init.add_argument("dir", nargs="?", default=".", help="folder to write into (default: here)")
    init.add_argument(
        "--lang", choices=("en", "ru"), default="en", help="language of the sample's headers and data"
    )
    init.set_defaults(command=cmd_init)

    rebuild = sub.add_parser(
        "rebuild-ledger",
        parents=[common],
        help="rebuild a lost or damaged send ledger from what the sheet records",
        description="Rebuild the send ledger (state_dir/ledger.sqlite3, sheets-sync's memory of what it has "
        "emailed) from what the sheet records: the rows it logged in Activities, the record cells "
        "(Follow-up, Sales kit sent, Last newsletter, Last greeting) and the managers' latest digests on "
        "the Dashboard. Use it when sheets-sync stops because the ledger is missing, damaged or new next to "
        "a sheet that records its sends (a new state_dir, a lost volume), and no backup of the ledger can "
        "be restored. A damaged ledger is moved aside, never deleted; an intact one is merged into. Stop "
        "the worker first.",
    )
    rebuild.add_argument(
        "--today",
        type=_date_arg,
        metavar="DATE",
        help="rebuild as of noon local time on DATE (the date the last cycles ran as)",
    )
    rebuild.set_defaults(command=cmd_rebuild_ledger)

    check = sub.add_parser(
        "check",
        parents=[common],
        help="validate the config, the connection, the headers and every cell",
        description="Validate everything; list each problem with its cell. Exit 1 if any.",
    )
    check.set_defaults(command=cmd_check)

    once = sub.add_parser(
        "once",
        parents=[common],
        help="run one cycle and print a summary",
        description=(
            "Run one cycle: read the sheet, plan, send what is due, write back; then print a summary."
        ),
    )
    once.add_argument("--dry-run", action="store_true", help="plan and report, but write and send nothing")
    once.add_argument(
        "--today", type=_date_arg, metavar="DATE", help="run as of noon local time on DATE (YYYY-MM-DD)"
    )
    once.set_defaults(command=cmd_once)

    run = sub.add_parser(
        "run",
        parents=[common],
        help="the long-running worker (stops cleanly on SIGTERM/SIGINT)",
        description="Poll the workbook every poll_every and run a cycle. On SIGTERM or SIGINT, "
        "end the current cycle cleanly (no new request or email starts) and exit.",
    )
    run.set_defaults(command=cmd_run)

    preview = sub.add_parser(
        "preview",
        parents=[common],
        help="render everything the next cycle would send; send nothing",
        description="Render every email the next cycle would send (on working days the digests too) as "
        ".html and .eml files with an index.html; sends and writes nothing.",
    )
    preview.add_argument("--today", type=_date_arg, metavar="DATE", help="as of noon local time on DATE")
    preview.add_argument(
        "--out", default="preview", metavar="DIR", help="folder to write into (default: preview)"
    )
    preview.set_defaults(command=cmd_preview)

    health = sub.add_parser(
        "health",
        parents=[common],
        help="exit 0 when the last cycle succeeded recently (for HEALTHCHECK)",
        description="Exit 0 if the worker's last cycle succeeded and is recent, else 1: also "
        "when the workbook has been left unwritten (someone has it open) for "
        "longer than xlsx.lock_warn_after.",
    )
    health.set_defaults(command=cmd_health)

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="init a sample into a folder and run one cycle on it",
        description="Write a sample config and workbook into DIR and run one cycle.",
    )
    demo.add_argument("dir", nargs="?", help="folder for the demo (default: a new temporary folder)")
    demo.add_argument("--lang", choices=("en", "ru"), default="en", help="language of the sample")
    demo.set_defaults(command=cmd_demo)
    return parser


def _add_common_options(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "-c", "--config", default=default, help="config file (else $SHEETS_SYNC_CONFIG, else ./config.yaml)"
    )
    parser.add_argument(
        "--log-format", choices=("text", "json"), default=default, help="log lines as text or JSON"
    )
    parser.add_argument("-v", "--verbose", action="store_true", default=default, help="log debug details")


FIRST_YEAR, LAST_YEAR = 1900, 2200  # --today outside these is a typo, not a plan


def _date_arg(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a date as YYYY-MM-DD, got "{text}"') from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f'expected a date between {FIRST_YEAR} and {LAST_YEAR}, got "{text}"'
        )
    return day


# --- commands -----------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from sheets_sync.sample.workspace import write_sample

    config_path = write_sample(Path(args.dir), args.lang)
    print(f"Wrote {config_path} and the sample workbook next to it.")
    print(f"Next: sheets-sync -c {config_path} check, then once --dry-run, then run.")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    config = _config(args)
    source = open_source(config)
    describe = getattr(source, "describe", None)
    if describe is not None:  # a Google Sheet: say which one, as whom (the connection is confirmed)
        print(describe())
    reading = read(source, config)  # the cycle's first phase, nothing after it
    print(summary.check_report(reading.sheet, config.language))
    inbox_ok = True
    if config.inbox.enabled:  # log in and open the folder read-only; say what to fix when that fails
        try:
            print(describe_inbox(config.inbox))
        except InboxError as exc:
            print(exc)
            inbox_ok = False
    return EXIT_PROBLEMS if reading.sheet.problems or not inbox_ok else EXIT_OK


def cmd_once(args: argparse.Namespace) -> int:
    config = _config(args)
    now = _now(config, args.today)
    mailer = None
    try:
        source = open_source(config)
        mailer = None if args.dry_run else _mailer(config, source)
        report = run_once(source, config, now, mailer=mailer, dry_run=args.dry_run)
    except SheetsSyncError as exc:
        if not args.dry_run:
            record_health(config, local_now(config), ok=False, error=str(exc))
        raise
    finally:
        if mailer is not None:
            mailer.ledger.close()  # the connection is in a reference cycle: no exit of its own
    if not args.dry_run:
        record_cycle(config, local_now(config), report)
    print(summary.cycle_summary(report, config, dry_run=args.dry_run))
    if report.failure:  # the cycle ran, yet did not do its job: the mail server, the ledger, the workbook
        _report_error(args, f"Error: {report.failure}")
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_rebuild_ledger(args: argparse.Namespace) -> int:
    from sheets_sync.runtime.rebuild import rebuild_ledger

    config = _config(args)
    rebuilt = rebuild_ledger(open_source(config), config, _now(config, args.today))
    print(rebuilt.summary())
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    config = _config(args)
    stopper = Stopper()
    stopper.install()  # before connecting: start-up's retries are cut short by a stop too
    source = open_source(config, stop=stopper.event)
    log.info("sheets-sync %s: polling %s every %s s", __version__, _where(config), config.poll_every)

    def on_cycle(report: CycleReport) -> None:
        if report.skipped:
            log.debug("workbook unchanged since the last cycle today: nothing to do")
            return
        log.info(summary.cycle_line(report), extra={"counts": summary.cycle_counts(report)})
        if args.log_format == "text":
            print(summary.cycle_summary(report, config), flush=True)

    run_forever(source, config, on_cycle, stopper, _mailer(config, source, stop=stopper.event))
    log.info("stopped")
    return EXIT_OK


def cmd_preview(args: argparse.Namespace) -> int:
    from sheets_sync.runtime.preview import write_preview

    config = _config(args)
    now = _now(config, args.today)
    index = write_preview(open_source(config), config, now, Path(args.out))
    print(f"Wrote the preview to {index}")
    return EXIT_OK


def cmd_health(args: argparse.Namespace) -> int:
    config = _config(args)
    ok, why = is_healthy(config, local_now(config))
    print(("healthy: " if ok else "unhealthy: ") + why)
    return EXIT_OK if ok else EXIT_PROBLEMS


def cmd_demo(args: argparse.Namespace) -> int:
    from sheets_sync.sample.workspace import write_sample

    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="sheets-sync-demo-"))
    config_path = write_sample(folder, args.lang)
    print(f"Demo workspace: {folder}")
    args.config, args.dry_run, args.today = str(config_path), False, None
    return cmd_once(args)


# --- wiring -------------------------------------------------------------------------------


def _now(config: Config, today: dt.date | None) -> dt.datetime:
    """Now in the team's time zone; `--today DATE` means noon on that date, so its digest is due."""
    if today is None:
        return local_now(config)
    return dt.datetime.combine(today, dt.time(12, 0), tzinfo=config.zone)


def _config(args: argparse.Namespace) -> Config:
    return load_config(find_config_path(args.config))


def open_source(config: Config, *, stop: threading.Event | None = None) -> Source:
    """`stop` (`run` only): the stop event that cuts Google's retries short; a local workbook needs none."""
    if config.source.kind == "xlsx":
        from sheets_sync.sources.xlsx import XlsxSource

        assert config.source.path is not None  # load_config refuses an xlsx source without a path
        return XlsxSource(config.source.path, look=Look.from_config(config))
    from sheets_sync.sources.google.source import GoogleSource

    source = GoogleSource.from_config(config.source, stop=stop, look=Look.from_config(config))
    source.connect()  # the spreadsheet's metadata, once at start-up: a bad key or an unshared sheet fails now
    return source


def _mailer(config: Config, source: Source, *, stop: threading.Event | None = None) -> Mailer:
    """Digests link each item to its row (the partner's, or the activity's) where the source has
    URLs (a Google Sheet)."""
    row_url = getattr(source, "row_url", None)
    link = (lambda tab, row: row_url(config.tab_name(tab), row)) if row_url else None
    return Mailer.from_config(config, row_link=link, stop=stop)


def _where(config: Config) -> str:
    return str(config.source.path) if config.source.kind == "xlsx" else config.source.spreadsheet


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            "logger": record.name,
        }
        if hasattr(record, "counts"):
            data["counts"] = record.counts
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def _report_error(args: argparse.Namespace, text: str) -> None:
    """The one-paragraph error on stderr; with --log-format json an error record, so every line stays JSON."""
    if args.log_format == "json":
        log.error("%s", text)
    else:
        print(text, file=sys.stderr)


def _configure_logging(log_format: str, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.captureWarnings(True)  # a library's warning becomes a log record (a JSON line), not bare text
