"""A bare Flask hello-world: the ceiling the page benchmark compares against."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, world"


@app.route("/assets/nhsuk-frontend.min.css")
def ready() -> str:  # the readiness probe bench.common.gunicorn polls
    return ""
