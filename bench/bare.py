"""The baseline for `bench/load.py`: a bare Flask page selecting 20 products joined to their
banks and rendering a small Jinja template, on the same database and under the same gunicorn."""

import os

import sqlalchemy as sa
from flask import Flask, render_template_string

from app.config import normalise_database_url

engine = sa.create_engine(normalise_database_url(os.environ["DATABASE_URL"]), pool_pre_ping=True)
QUERY = sa.text(
    "SELECT p.id, p.name, p.min_rate, p.max_rate, b.short_name FROM products p"
    " JOIN banks b ON b.id = p.bank_id WHERE p.status = 'published' ORDER BY p.id LIMIT 20"
)
PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>产品</title></head>
<body><h1>产品</h1><ul>{% for p in products %}
<li><a href="/products/{{ p.id }}">{{ p.name }}</a> · {{ p.short_name }}
 · {{ p.min_rate }}%–{{ p.max_rate }}%</li>{% endfor %}</ul></body></html>"""

app = Flask(__name__)


@app.route("/products")
def products():
    with engine.connect() as connection:
        rows = connection.execute(QUERY).all()
    return render_template_string(PAGE, products=rows)
