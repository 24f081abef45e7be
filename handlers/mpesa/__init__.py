"""M-Pesa's web routes: what Safaricom's Daraja posts back to the shop."""
