"""Web adapters: Starlette routes that the web app (in `bot/`) mounts."""
