"""An outbox deliverer as its own process, slow enough per message to be killed mid-batch:
python -m tests.faults.outbox_worker DATABASE_URL VAR_DIR NOW_US"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules import messaging
from enlace.modules.messaging.adapters import FileAdapter, OutgoingMessage


class SlowFileAdapter(FileAdapter):
    def send(self, message: OutgoingMessage) -> None:
        time.sleep(0.02)  # a gateway's round trip
        super().send(message)


def main() -> None:
    url, var_dir, now_us = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    services = build(Settings.from_env(database_url=url, var_dir=var_dir))
    adapter = SlowFileAdapter(var_dir / "outbox.ndjson")
    report = messaging.deliver(services.db, services.repo, adapter, now_us)
    print(f"delivered {report.delivered}")


if __name__ == "__main__":
    main()
