"""Server-rendered pages (login, TOTP, account): plain HTML forms, no JavaScript, no CDN.

`pages.register(app, services)` adds the routes; `render.page` and `i18n` are shared with every
other page (the OAuth authorize page included), and `templates/base.html` is their layout.
"""
