"""The console channel: chat with the bot in a terminal (`soko chat`, `soko demo`)."""
