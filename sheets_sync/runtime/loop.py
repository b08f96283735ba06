"""The long-running loop: a cycle every `poll_every`, until a signal asks it to stop."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

import schedule

from sheets_sync.config import Config
from sheets_sync.errors import SheetsSyncError
from sheets_sync.runtime.cycle import CycleReport, WorkerState, run_once
from sheets_sync.runtime.health import record_cycle, record_health
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sources import Source

log = logging.getLogger(__name__)


def local_now(config: Config) -> dt.datetime:
    return dt.datetime.now(config.zone)


class Stopper:
    """Signal handlers only set `event`; the loop finishes its cycle and returns.

    The event is the one stop signal of the process: the cycle's waits (Google's retry backoff,
    mail pacing) wait on it, and the source and the mailer start no new request or message once
    it is set, so a stop ends the cycle within a second or so, or one request's timeout when a
    request is on the wire (see docs/operations.md, stopping the worker).
    """

    def __init__(self) -> None:
        self.event = threading.Event()

    @property
    def stopping(self) -> bool:
        return self.event.is_set()

    def stop(self) -> None:
        self.event.set()

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        log.info("received %s: stopping after the current cycle", signal.Signals(signum).name)
        # The handler runs in the main thread between two bytecodes, possibly inside Event.wait()
        # holding the event's internal lock; Event.set() here could then deadlock. A thread of its
        # own sets it as soon as the main thread lets go.
        threading.Thread(target=self.event.set, name="stop", daemon=True).start()


def run_forever(
    source: Source,
    config: Config,
    on_cycle: Callable[[CycleReport], None],
    stopper: Stopper,
    mailer: Mailer | None = None,
    slice_seconds: float = 0.5,
) -> None:
    """Poll every `poll_every`; a failing cycle is logged and the next one tries again.

    No cycle starts once `stopper` is stopping; pass its event to the source and the mailer so
    that the cycle in progress stops waiting too.
    """
    state = WorkerState()

    def cycle() -> None:
        if stopper.stopping:
            return
        now = local_now(config)
        try:
            report = run_once(source, config, now, mailer=mailer, state=state)
        except SheetsSyncError as exc:
            state.seen = None  # the next poll runs a whole cycle again
            log.error("cycle failed: %s", exc)
            record_health(config, now, ok=False, error=str(exc))
            return
        except Exception:  # a bug or an unforeseen library error must not kill the worker
            state.seen = None
            log.exception("cycle failed")
            record_health(config, now, ok=False, error="unexpected error (see the log)")
            return
        failure = report.failure
        if failure:  # the sheet was written and the emails wait for the server, or the other way round
            log.error("cycle failed: %s", failure)
        record_cycle(config, now, report)
        try:
            on_cycle(report)
        except Exception:  # printing the summary (a closed stdout, say) must not end the worker either
            log.exception("reporting the cycle failed")

    scheduler = schedule.Scheduler()  # runs late jobs once, never a burst of missed ones
    scheduler.every(config.poll_every).seconds.do(cycle)
    cycle()
    while not stopper.stopping:
        scheduler.run_pending()
        stopper.event.wait(slice_seconds)
