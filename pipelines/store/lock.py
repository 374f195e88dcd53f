"""The per-warehouse lock: one sync (or model build) at a time, answered in milliseconds.

Light on purpose (no dlt, no duckdb): a cron job that finds the lock taken exits 75 at once.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from sources.shared.errors import ConfigurationError, WarehouseBusy


def folder_beside(warehouse_path: Path) -> Path:
    """`<file>.pageflow/`: dlt's working folder and the lock live here."""
    return warehouse_path.with_name(warehouse_path.name + ".pageflow")


def private_folder(folder: Path) -> None:
    """Create `folder` (and its parents) with mode 0700: it holds work data and the token."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(f"cannot create the folder {folder}: {reason}") from None


class SyncLock:
    """An exclusive, non-blocking flock: the kernel drops it when its process dies."""

    def __init__(self, warehouse_path: Path) -> None:
        self.lock_path = folder_beside(warehouse_path) / "sync.lock"
        self.warehouse_path = warehouse_path
        self._fd: int | None = None
        self._created = False

    def __enter__(self) -> SyncLock:
        self._created = not self.lock_path.parent.exists()
        private_folder(self.lock_path.parent)
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ConfigurationError(f"cannot open the lock {self.lock_path}: {reason}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise WarehouseBusy(
                f"another sync holds {self.warehouse_path} (pid {holder}); try again later"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            if self._created:
                self._remove_if_unused()
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def _remove_if_unused(self) -> None:
        """A run that failed before starting (a bad setting, say) leaves no folder behind:
        the folder this lock created goes again while it holds nothing but the lock."""
        folder = self.lock_path.parent
        try:
            if [p.name for p in folder.iterdir()] == [self.lock_path.name]:
                self.lock_path.unlink()
                folder.rmdir()
        except OSError:
            pass  # something else appeared meanwhile: it stays
