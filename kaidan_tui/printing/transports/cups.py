"""A CUPS raw queue, through the ``lp`` command."""

from __future__ import annotations

import shutil
import subprocess

from kaidan_tui.printing.transports.base import Transport


class CupsTransport(Transport):
    kind = "cups"

    @classmethod
    def problem(cls, cfg: object) -> str | None:
        return None if getattr(cfg, "queue", "") else 'kind = "cups" 需要填写 queue'

    @property
    def where(self) -> str:
        return f"CUPS 队列 {self.cfg.queue}"

    def deliver(self, data: bytes) -> None:
        lp = shutil.which("lp")
        if lp is None:
            raise self.unavailable(
                "本机没有 CUPS 的 lp 命令", "请安装 cups-client，或改用 tcp/usb 连接"
            )
        try:
            done = subprocess.run(
                [lp, "-d", self.cfg.queue, "-o", "raw"],
                input=data,
                capture_output=True,
                timeout=self.cfg.timeout * 4,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise self.uncertain("CUPS 没有及时回应") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip() or (
                f"lp 退出码 {done.returncode}"
            )
            raise self.unavailable(f"CUPS 队列 {self.cfg.queue} 拒收：{message}")
