"""M-Pesa through Safaricom's Daraja API: a small typed client (issue 21; not wired yet)."""
