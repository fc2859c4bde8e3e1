"""`python -m streams worker -l info`: the Faust worker, configured from the environment.
`python -m streams web [--host H] [--port P] [--broker URL]`: the web scoreboard and API
(its own process; it does not load the Faust app)."""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["web"]:
        from streams.web.__main__ import main

        sys.exit(main(sys.argv[2:]))
    from streams.app import app

    app.main()
