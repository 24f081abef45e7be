"""M-Pesa's callbacks (Safaricom's Daraja API posts them; it signs nothing)."""
