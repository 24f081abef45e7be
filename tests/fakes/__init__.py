"""Local fake servers the real client libraries talk to in tests (nothing reaches the internet)."""
