"""`python -m streams worker -l info`: the Faust worker, configured from the environment."""

from streams.app import app

if __name__ == "__main__":
    app.main()
