"""``chainrule playground``: watch the chain rule run, in the browser, on your own machine.

A local web app (``chainrule playground``) in which every number is computed by
chainrule's core: :class:`Session` holds the state and steps it (no HTTP), the
server in :mod:`chainrule.playground.server` serves it to the page in ``static/``
(the contract is ``API.md`` next to this file).  The data sets and features are in
:mod:`chainrule.playground.datasets`, the settings in :mod:`~chainrule.playground.config`,
one batch's pass in :mod:`~chainrule.playground.batch`, what the page reads and downloads
in :mod:`~chainrule.playground.views` and :mod:`~chainrule.playground.exports`
(ARCHITECTURE.md lists every module in import order).
"""

from __future__ import annotations

from chainrule.playground.config import Config, SessionError
from chainrule.playground.datasets import FEATURES, TWO_D, make_2d
from chainrule.playground.session import Session

__all__ = ["FEATURES", "TWO_D", "Config", "Session", "SessionError", "make_2d"]
