"""The web read side: a live scoreboard page and an HTTP API over `tie-scores` and `moments`.

In this event loop: ``async with running_web(broker, port=0) as web: print(web.url)``.
As its own process: ``streams.local.web.WebProcess(broker, port=...).start().wait_ready()``
returns the URL. From a shell: ``tracker web`` or ``python -m streams web [--host 127.0.0.1]
[--port 8080] [--broker URL]``.
"""

from streams.web.model import ReadModel
from streams.web.server import WebService, WebSettings, running_web

__all__ = ["ReadModel", "WebService", "WebSettings", "running_web"]
